// Replays raw exchange messages (a capture of one WebSocket text frame per line, or a feed's
// journal) through the same normalizer and sequencer as live ingestion, and tells per symbol
// what it found: trades, trade-id gaps, book updates applied and dropped, sequence breaks with
// the line they were found at, and the final best levels. `tickscope replay` drives it.
#pragma once

#include "app/feeds/binance/message_parser.h"
#include "app/feeds/exchange_adapter.h"
#include "app/ingest/trade_sequencer.h"
#include "db/ingest_writer.h"

#include <QJsonObject>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::feeds::binance {
class BinanceNormalizer;
} // namespace tickscope::feeds::binance

namespace tickscope::app {

struct ReplaySymbolReport
{
    std::int64_t trades = 0;
    struct Range
    {
        std::int64_t line = 0;
        std::int64_t firstMissing = 0;
        std::int64_t lastMissing = 0;
    };
    std::vector<Range> tradeGaps;
    std::vector<Range> sequenceBreaks;
    std::int64_t bookUpdatesApplied = 0;
    std::int64_t bookUpdatesDropped = 0;
};

struct ReplayError
{
    std::int64_t line = 0;
    std::string message;
};

class CaptureReplay
{
public:
    // `writer` may be null (a dry run).
    CaptureReplay(feeds::InstrumentList instruments, feeds::binance::TimeUnit timeUnit,
        db::IngestWriter *writer, std::size_t batchRows);
    ~CaptureReplay();

    // One raw message; `line` is what reports name it by (a capture's line number).
    void feed(const feeds::RawMessage &message, std::int64_t line);
    // Writes what is still batched.
    void finish();

    QJsonObject report() const;
    QString textReport() const;
    std::int64_t lines() const { return m_lines; }
    std::int64_t rowsWritten() const { return m_rowsWritten; }

private:
    void write();

    feeds::InstrumentList m_instruments;
    std::unique_ptr<feeds::binance::BinanceNormalizer> m_normalizer;
    ingest::TradeSequencer m_sequencer;
    feeds::NormalizedOutput m_output;
    std::vector<ReplaySymbolReport> m_symbols;
    std::vector<ReplayError> m_errors;
    db::IngestWriter *m_writer;
    std::size_t m_batchRows;
    db::IngestBatch m_batch;
    std::int64_t m_lines = 0;
    std::int64_t m_rowsWritten = 0;
};

} // namespace tickscope::app
