// The Live page's charts' reader of what is stored, on a thread of its own (a chart may load
// 200,000 trades; the monitors keep their pace): for a widgets::ChartHistoryRequest, the newest
// trades of the window (db::newestTrades) and, before them, bars: the stored aggregates'
// (db/ohlcv_queries) up to the minutes their refresh has not taken yet, then those minutes
// summed from the trades themselves, up to where the loaded trades begin. Requests wait until
// the database is ready; of several for one chart, only the latest is answered. As the reader
// role.
#pragma once

#include "widgets/chart_history.h"

#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <string>
#include <utility>

namespace pqxx {
class connection;
}

namespace tickscope::app {

class ChartHistoryReader : public QObject
{
    Q_OBJECT
public:
    ChartHistoryReader();
    ~ChartHistoryReader() override;

public slots:
    void start(const QString &conninfo);
    void load(const tickscope::widgets::ChartHistoryRequest &request);
    void shutdown();

signals:
    void loaded(const tickscope::widgets::ChartHistory &history);

private:
    void schedule();
    void answerNext();
    widgets::ChartHistory read(const widgets::ChartHistoryRequest &request);
    // The bars of [request.fromNs, history.tradesFromNs): the aggregates', then the sums of the
    // trades they have not taken yet. Notes in `history` where neither reaches.
    std::vector<analytics::Bar> barsBefore(int instrument,
        const widgets::ChartHistoryRequest &request, widgets::ChartHistory &history);

    std::string m_conninfo;
    std::unique_ptr<pqxx::connection> m_connection;
    // By exchange and symbol: the latest request not yet answered.
    std::map<std::pair<std::string, std::string>, widgets::ChartHistoryRequest> m_pending;
    bool m_scheduled = false;
};

} // namespace tickscope::app
