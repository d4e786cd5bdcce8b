// Replays raw exchange messages (a capture of one WebSocket text frame per line, or a feed's
// journal) through the same BatchAssembler as live ingestion, and tells per symbol what it found:
// trades, trade-id gaps, book updates applied and dropped, book sequence breaks and other gaps
// with the line (or journal record) they were found at, and the final best levels. With a writer
// it stores the rows as live ingestion does, idempotently; it never moves a feed's checkpoint or
// sequence positions. `tickscope replay` drives it.
#pragma once

#include "app/ingest/batch_assembler.h"

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <string>
#include <vector>

namespace tickscope::ingest {

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
    struct Window
    {
        std::int64_t line = 0;
        model::Gap gap;
    };
    std::vector<Window> windowGaps; // outages, disconnects, checksum failures, silences
    std::int64_t bookUpdatesApplied = 0;
    std::int64_t bookUpdatesDropped = 0;
    std::int64_t bookChecksumsChecked = 0; // matched or not
};

struct ReplayError
{
    std::int64_t line = 0;
    std::string message;
};

class CaptureReplay
{
public:
    // `writer` may be null (a dry run); otherwise it writes through its staging tables, so rows
    // stored already are skipped.
    CaptureReplay(
        const feeds::ExchangeAdapter &adapter, db::IngestWriter *writer, std::size_t batchRows);

    // One raw message; `line` is what reports name it by (a capture's line number, a journal's
    // record number), `position` its place in the journal (a capture's line in segment 0).
    void feed(const feeds::RawMessage &message, std::int64_t line, model::JournalPosition position);
    // Writes what is still batched.
    void finish();

    QJsonObject report() const;
    QString textReport() const;
    std::int64_t lines() const { return m_lines; }
    std::int64_t rowsWritten() const { return m_rowsWritten; }

private:
    void write();

    const feeds::ExchangeAdapter &m_adapter;
    BatchAssembler m_assembler;
    std::vector<ReplaySymbolReport> m_symbols;
    std::vector<ReplayError> m_errors;
    db::IngestWriter *m_writer;
    std::size_t m_batchRows;
    db::IngestBatch m_batch;
    std::int64_t m_lines = 0;
    std::int64_t m_rowsWritten = 0;
};

} // namespace tickscope::ingest
