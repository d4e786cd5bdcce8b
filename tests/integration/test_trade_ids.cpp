// Trade ids of every shape an exchange sends are stored exactly, once each: strings (UUIDs, ids
// with leading zeros) from an exchange with opaque ids, and integers above 2^63 - 1 from one with
// contiguous ids. The real writer over a real journal into a real TimescaleDB; a second pass over
// the same journal (a new epoch) adds nothing.
#include "app/ingest/database_writer.h"
#include "app/ingest/journal_writer.h"
#include "tests/support/drain_writer.h"
#include "tests/support/line_adapter.h"
#include "tests/support/schema_fixture.h"

#include <QTemporaryDir>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;
using TradeIds = feeds::ExchangeTraits::TradeIds;

namespace {

constexpr std::int64_t kBaseTimeMs = 1'767'225'600'000; // 2026-01-01

void journalFrames(const std::filesystem::path &directory, const std::vector<std::string> &frames)
{
    auto writer = ingest::journal::JournalWriter::open(directory);
    QVERIFY2(writer, writer ? "" : writer.error().c_str());
    for (const auto &frame : frames)
        QVERIFY(
            (*writer)->append(feeds::RawKind::WebSocketText, 0, kBaseTimeMs * 1'000'000, frame));
    QVERIFY((*writer)->seal());
}

// One BTCUSD trade per id, a millisecond apart, sides alternating.
std::vector<std::string> oneTradePerMillisecond(const QStringList &ids)
{
    std::vector<std::string> frames;
    for (qsizetype i = 0; i < ids.size(); ++i)
        frames.push_back(std::format("BTCUSD,{},100.5,0.25,{},{}", ids[i].toStdString(),
            i % 2 ? 'S' : 'B', kBaseTimeMs + i));
    return frames;
}

model::WriterStatus drain(const std::string &conninfo, const std::filesystem::path &journal,
    const std::string &exchange, TradeIds ids)
{
    return testing::drainWriter(
        std::make_unique<testing::LineAdapter>(
            std::vector<model::Instrument>{{exchange, "BTCUSD", "BTC", "USD"}}, ids),
        {.conninfo = conninfo, .journalDirectory = journal});
}

// The stored ids of `exchange`, in time order, as the exchange sent them.
QStringList storedIds(const std::string &conninfo, const std::string &exchange)
{
    auto connection = db::connect(conninfo, "test");
    QStringList ids;
    for (const auto &row : pqxx::nontransaction{connection}.exec(
             "SELECT coalesce(t.trade_id::text, t.trade_uuid::text, t.trade_ref) FROM "
             "market_data.trades t JOIN market_data.instruments i USING (instrument_id) WHERE "
             "i.exchange = $1 ORDER BY t.time, market_data.received_at(t.time, "
             "t.received_after_us)",
             pqxx::params{exchange}))
        ids << QString::fromStdString(row[0].as<std::string>());
    return ids;
}

// Without a checkpoint the writer reads the journal from its beginning again, as after a crash
// before the first commit: every trade arrives a second time.
void forgetCheckpoint(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "test");
    pqxx::nontransaction{connection}.exec("DELETE FROM audit.ingest_checkpoints");
}

} // namespace

class TestTradeIds : public QObject
{
    Q_OBJECT

private slots:
    void stringIdsAreStoredOnceEach()
    {
        const std::string conninfo = testing::migratedDatabase("string_ids");
        const QStringList sent{"3f2b8c1e-0d4a-4b6e-9a7f-1c2d3e4f5a6b", "007", "7",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "a", "3f2b8c1e-0d4a-4b6e-9a7f-1c2d3e4f5a6b",
            "-1", "18446744073709551616"};
        QTemporaryDir dir;
        const std::filesystem::path journal = dir.filePath("uuids").toStdString();
        journalFrames(journal, oneTradePerMillisecond(sent));

        auto status = drain(conninfo, journal, "uuids", TradeIds::Opaque);
        QCOMPARE(status.tradesCommitted, qint64(sent.size()));
        QCOMPARE(status.gapsFound, 0);
        // The repeated UUID came at another time: a different trade by the unique key (time is
        // part of it); the same id at the same time would be one trade.
        QCOMPARE(storedIds(conninfo, "uuids"), sent);

        forgetCheckpoint(conninfo);
        status = drain(conninfo, journal, "uuids", TradeIds::Opaque);
        QCOMPARE(status.rowsCommitted, 0);
        QCOMPARE(storedIds(conninfo, "uuids"), sent);
    }

    void sameStringIdAtTheSameTimeIsOneTrade()
    {
        const std::string conninfo = testing::migratedDatabase("string_id_repeat");
        QTemporaryDir dir;
        const std::filesystem::path journal = dir.filePath("repeats").toStdString();
        journalFrames(journal,
            {std::format("BTCUSD,abc-1,100,1,B,{}", kBaseTimeMs),
                std::format("BTCUSD,abc-1,100,1,B,{}", kBaseTimeMs),
                std::format("BTCUSD,abc-2,100,1,S,{}", kBaseTimeMs)});
        drain(conninfo, journal, "repeats", TradeIds::Opaque);
        QCOMPARE(storedIds(conninfo, "repeats"), (QStringList{"abc-1", "abc-2"}));
    }

    void idsAbove2To63AreStoredExactly()
    {
        const std::string conninfo = testing::migratedDatabase("huge_ids");
        const QStringList sent{"9223372036854775805", "9223372036854775806", "9223372036854775807",
            "9223372036854775808", "9223372036854775809", "18446744073709551615"};
        QTemporaryDir dir;
        const std::filesystem::path journal = dir.filePath("huge").toStdString();
        journalFrames(journal, oneTradePerMillisecond(sent));

        auto status = drain(conninfo, journal, "huge", TradeIds::Contiguous);
        QCOMPARE(status.tradesCommitted, qint64(sent.size()));
        QCOMPARE(status.gapsFound, 0); // 2^63 - 1 -> 2^63 is no hole
        QCOMPARE(storedIds(conninfo, "huge"), sent);
        auto connection = db::connect(conninfo, "test");
        QCOMPARE(pqxx::nontransaction{connection}
                     .exec("SELECT count(*) FROM market_data.trades WHERE trade_ref IS NOT NULL")
                     .one_field()
                     .as<int>(),
            3);

        forgetCheckpoint(conninfo);
        status = drain(conninfo, journal, "huge", TradeIds::Contiguous);
        QCOMPARE(status.rowsCommitted, 0);
        QCOMPARE(storedIds(conninfo, "huge"), sent);
    }
};

QTEST_GUILESS_MAIN(TestTradeIds)
#include "test_trade_ids.moc"
