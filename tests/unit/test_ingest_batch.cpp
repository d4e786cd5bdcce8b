// Batches as the writer splits and joins them: a failed commit gets the batch read after it
// appended, and slicing the joined batch by record gives each record's rows back.
#include "db/ingest_writer.h"

#include <QTest>

using namespace tickscope;

namespace {

model::Trade trade(std::int64_t id)
{
    return {.exchangeTimeNs = id, .instrument = static_cast<std::uint32_t>(id % 2), .tradeId = id};
}

std::vector<std::int64_t> idsOf(const db::IngestBatch &batch)
{
    std::vector<std::int64_t> ids;
    for (const auto &row : batch.trades)
        ids.push_back(row.tradeId);
    return ids;
}

} // namespace

class TestIngestBatch : public QObject
{
    Q_OBJECT

private slots:
    void appendKeepsRecordsApart()
    {
        db::IngestBatch first;
        first.trades = {trade(1), trade(2), trade(3)};
        first.records
            = {{.position = {0, 0}, .tradesEnd = 2}, {.position = {0, 1}, .tradesEnd = 3}};
        first.checkpoint = model::JournalPosition{0, 2};
        first.sequencePositions
            = {{.instrument = 0, .lastSequence = 2}, {.instrument = 1, .lastSequence = 3}};

        db::IngestBatch later;
        later.trades = {trade(4), trade(5)};
        later.gaps = {model::Gap{.instrument = 1, .firstMissing = 4, .lastMissing = 4}};
        later.records = {{.position = {0, 2}, .tradesEnd = 2, .gapsEnd = 1}};
        later.checkpoint = model::JournalPosition{0, 3};
        later.sequencePositions = {{.instrument = 1, .lastSequence = 5}};

        first.append(std::move(later));
        QCOMPARE(idsOf(first), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
        QCOMPARE(first.records.size(), std::size_t(3));
        QCOMPARE(first.records[2].tradesEnd, std::size_t(5));
        QCOMPARE(first.records[2].gapsEnd, std::size_t(1));
        QCOMPARE(first.checkpoint->index, std::int64_t(3));
        // A later position of an instrument replaces its earlier one.
        QCOMPARE(first.sequencePositions.size(), std::size_t(2));
        QCOMPARE(first.sequencePositions[0].lastSequence, std::int64_t(2));
        QCOMPARE(first.sequencePositions[1].lastSequence, std::int64_t(5));

        // The joined batch splits back along its records, as isolating a refused record does.
        QCOMPARE(idsOf(first.slice(0, 1)), (std::vector<std::int64_t>{1, 2}));
        QCOMPARE(idsOf(first.slice(1, 2)), (std::vector<std::int64_t>{3}));
        const db::IngestBatch last = first.slice(2, 3);
        QCOMPARE(idsOf(last), (std::vector<std::int64_t>{4, 5}));
        QCOMPARE(last.gaps.size(), std::size_t(1));
        QCOMPARE(last.checkpoint->index, std::int64_t(3));
        QCOMPARE(first.slice(0, 2).checkpoint->index, std::int64_t(2));
    }
};

QTEST_GUILESS_MAIN(TestIngestBatch)
#include "test_ingest_batch.moc"
