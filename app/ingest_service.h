// The ingest pipeline of the configured exchanges, running in its own threads: a feed thread
// (connection and journal) and a writer thread (journal -> database) per exchange. The console
// and `tickscope ingest` both run it; they get status snapshots once a second.
#pragma once

#include "app/config.h"
#include "app/model/feed_status.h"

#include <QObject>
#include <QThread>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace tickscope::ingest {
class DatabaseWriter;
class FeedSession;
} // namespace tickscope::ingest

namespace tickscope::app {

class IngestService : public QObject
{
    Q_OBJECT
public:
    // Ingests the exchanges of `config` into the database of `conninfo`.
    IngestService(const Config &config, std::string conninfo, QObject *parent = nullptr);
    ~IngestService() override;

    void start();
    // Closes the connections and seals the journals, lets the writers commit what the journals
    // hold (at most `drainDeadline`), then emits stopped().
    void stop(std::chrono::milliseconds drainDeadline = std::chrono::seconds(30));

    std::vector<model::Instrument> instruments() const;

signals:
    void feedStatusChanged(const tickscope::model::FeedStatus &status);
    void writerStatusChanged(const tickscope::model::WriterStatus &status);
    void stopped();

private:
    struct Pipeline;
    std::vector<std::unique_ptr<Pipeline>> m_pipelines;
    int m_running = 0;
    bool m_stopping = false;
};

} // namespace tickscope::app
