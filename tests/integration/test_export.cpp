// `tickscope export` against a real database: the CSV holds exactly the trades of the range in
// time order with both clocks and exact decimals, the zstd file decompresses to the same bytes,
// --as-of returns only what had been received by then and the gaps as they were known then,
// the completeness comes first, and mistakes are named without leaving a file behind.
#include "db/connection.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <pqxx/pqxx>
#include <zstd.h>

using namespace tickscope;
using testing::runTickscope;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file{path};
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QByteArray decompress(const QByteArray &compressed)
{
    const auto size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
    QByteArray out;
    ZSTD_DCtx *context = ZSTD_createDCtx();
    std::vector<char> buffer(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{compressed.data(), static_cast<std::size_t>(compressed.size()), 0};
    while (in.pos < in.size) {
        ZSTD_outBuffer chunk{buffer.data(), buffer.size(), 0};
        if (ZSTD_isError(ZSTD_decompressStream(context, &chunk, &in)))
            break;
        out.append(buffer.data(), static_cast<qsizetype>(chunk.pos));
    }
    ZSTD_freeDCtx(context);
    Q_UNUSED(size);
    return out;
}

} // namespace

class TestExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("export");
            auto connection = db::connect(m_conninfo, "test");
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('alpha', 'BTCUSDT', 'BTC', 'USDT'), "
                    "('alpha', 'ETHUSDT', 'ETH', 'USDT'), ('beta', 'BTC-USD', 'BTC', 'USD')");
            // 3 instruments x 3000 trades, one every 30 s from 2026-03-01 00:00:00.5, received
            // 2 s after; prices 67000.12345678 + n * 0.00000001 (8 decimals), sizes 0.001 * n; the
            // last instrument's ids are text.
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, trade_ref, price_units, price_scale, size_units, size_scale, side) "
                    "SELECT t, 2000000, i.instrument_id, "
                    "CASE WHEN i.exchange = 'beta' THEN NULL ELSE n END, "
                    "CASE WHEN i.exchange = 'beta' THEN 'uuid-' || n END, "
                    "6700012345678 + n, 8, n, 3, "
                    "(ARRAY['B', 'S', 'U'])[1 + n % 3]::\"char\" "
                    "FROM market_data.instruments i, generate_series(1, 3000) n, "
                    "LATERAL (SELECT timestamptz '2026-03-01 00:00:00.5+00' + (n - 1) * "
                    "interval '30 seconds' AS t) times");
            // A gap of 90 s in alpha BTCUSDT, detected at 10:00 and backfilled at 12:00.
            tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, "
                    "gap_start, gap_end, detected_at, status, resolved_at) SELECT instrument_id, "
                    "'trade_id', 100, 102, '2026-03-01 01:00:00+00', '2026-03-01 01:01:30+00', "
                    "'2026-03-01 10:00:00+00', 'backfilled', '2026-03-01 12:00:00+00' "
                    "FROM market_data.instruments WHERE symbol = 'BTCUSDT'");
            tx.commit();
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void exportsTheRangeExactlyAndCompressed()
    {
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("trades.csv"));
        auto run = runTickscope({"export", "--db", db(), "--from", "2026-03-01T00:00:00Z", "--to",
            "2026-03-01T12:00:00Z", "--exchange", "alpha", "--out", csv});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        // The completeness first: 90 s of gap in 2 instruments x 12 h.
        QVERIFY2(run.out.startsWith(QStringLiteral("range:        2026-03-01 00:00:00.000 .. "
                                                   "2026-03-01 12:00:00.000 UTC\ninstruments:  2\n"
                                                   "known gaps:   1 (0 open), 90.0 s of 86400 s "
                                                   "instrument-time\ncompleteness: 99.896%")),
            qPrintable(run.out));
        QVERIFY(run.out.contains(QStringLiteral("wrote 2880 trades to ") + csv));
        const QList<QByteArray> lines = readAll(csv).split('\n');
        QCOMPARE(lines.size(), 2 + 2880); // header, rows, and the empty piece after the last \n
        QCOMPARE(lines[0], QByteArray("time,received_at,exchange,symbol,trade_id,price,size,side"));
        QCOMPARE(lines[1],
            QByteArray("2026-03-01 00:00:00.5+00,2026-03-01 00:00:02.5+00,alpha,BTCUSDT,1,"
                       "67000.12345679,0.001,sell"));
        QCOMPARE(lines[2],
            QByteArray("2026-03-01 00:00:00.5+00,2026-03-01 00:00:02.5+00,alpha,ETHUSDT,1,"
                       "67000.12345679,0.001,sell"));
        QCOMPARE(lines[2880],
            QByteArray("2026-03-01 11:59:30.5+00,2026-03-01 11:59:32.5+00,alpha,ETHUSDT,1440,"
                       "67000.12347118,1.44,buy"));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("trades.gaps.csv"))).split('\n').size(), 3);

        const QString zst = dir.filePath(QStringLiteral("trades.csv.zst"));
        run = runTickscope({"export", "--db", db(), "--from", "2026-03-01T00:00:00Z", "--to",
            "2026-03-01T12:00:00Z", "--exchange", "alpha", "--out", zst, "--force"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QByteArray compressed = readAll(zst);
        QVERIFY(compressed.size() * 3 < readAll(csv).size());
        QCOMPARE(decompress(compressed), readAll(csv));
    }

    void asOfReturnsWhatWasKnownThen()
    {
        QTemporaryDir dir;
        const QString csv = dir.filePath(QStringLiteral("pit.csv"));
        // Received by 11:00:01.5: trades up to 10:59:59.5 (exchange time).
        auto run
            = runTickscope({"export", "--db", db(), "--from", "2026-03-01", "--to", "2026-03-02",
                "--symbol", "BTCUSDT", "--as-of", "2026-03-01 11:00:01.500", "--out", csv});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QList<QByteArray> lines = readAll(csv).split('\n');
        QCOMPARE(lines.size(), 2 + 1320);
        QVERIFY(lines[1320].startsWith("2026-03-01 10:59:30.5+00,2026-03-01 10:59:32.5+00"));
        // The gap was known (detected at 10:00) but not yet backfilled (12:00).
        const QByteArray gaps = readAll(dir.filePath(QStringLiteral("pit.gaps.csv")));
        QVERIFY2(gaps.contains(",open,2026-03-01 10:00:00+00,"), gaps.constData());
        QVERIFY(run.out.contains(QStringLiteral("known gaps:   1 (1 open)")));

        // Before the gap was detected it is not there at all.
        run = runTickscope({"export", "--db", db(), "--from", "2026-03-01", "--to", "2026-03-02",
            "--symbol", "BTCUSDT", "--as-of", "2026-03-01T09:00:00Z", "--out", csv, "--force"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains(QStringLiteral("completeness: 100.000%")));
        QCOMPARE(readAll(dir.filePath(QStringLiteral("pit.gaps.csv"))).split('\n').size(), 2);
    }

    void mistakesAreNamed_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no --out") << QStringList{"--from", "2026-03-01", "--to", "2026-03-02"} << 2
                                  << QStringLiteral("--out is required");
        QTest::newRow("from after to") << QStringList{"--from", "2026-03-02", "--to", "2026-03-01",
            "--out", "x.csv"} << 2 << QStringLiteral("--from must be before --to");
        QTest::newRow("bad time") << QStringList{"--from", "yesterday", "--to", "2026-03-01",
            "--out", "x.csv"} << 2 << QStringLiteral("--from 'yesterday' is not an ISO 8601 time");
        QTest::newRow("as of before 1970") << QStringList{"--from", "2026-03-01", "--to",
            "2026-03-02", "--out", "x.csv", "--as-of",
            "1969-12-31"} << 2 << QStringLiteral("--as-of '1969-12-31' is outside");
        QTest::newRow("bad format") << QStringList{"--from", "2026-03-01", "--to", "2026-03-02",
            "--out", "x.parquet", "--format",
            "parquet"} << 2 << QStringLiteral("--format is csv or csv.zst, not 'parquet'");
        QTest::newRow("unknown exchange") << QStringList{"--from", "2026-03-01", "--to",
            "2026-03-02", "--out", "OUT", "--exchange",
            "gamma"} << 1 << QStringLiteral("the database holds no instrument of exchange gamma");
        QTest::newRow("directory that does not exist") << QStringList{"--from", "2026-03-01",
            "--to", "2026-03-02", "--out",
            "/nonexistent/dir/t.csv"} << 1 << QStringLiteral("cannot write /nonexistent/dir/t");
    }

    void mistakesAreNamed()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("t.csv"));
        arguments.replaceInStrings(QStringLiteral("OUT"), out);
        const auto run = runTickscope(QStringList{"export", "--db", db()} + arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void refusesToOverwrite()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("t.csv"));
        QFile existing{out};
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("keep me");
        existing.close();
        const auto run = runTickscope(
            {"export", "--db", db(), "--from", "2026-03-01", "--to", "2026-03-02", "--out", out});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("exists; choose another --out or pass --force")));
        QCOMPARE(readAll(out), QByteArray("keep me"));
    }

    // Overlapping gaps leave a minute missing once: an outage 01:00:30-01:02:00 over the 90 s
    // trade-id gap adds 30 s, not 90.
    void overlappingGapsCountOnce()
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::nontransaction{connection}.exec(
            "INSERT INTO audit.gaps (instrument_id, kind, gap_start, gap_end, detected_at, note) "
            "SELECT instrument_id, 'outage', '2026-03-01 01:00:30+00', '2026-03-01 01:02:00+00', "
            "'2026-03-01 10:00:00+00', 'journal disk full' FROM market_data.instruments "
            "WHERE symbol = 'BTCUSDT' AND exchange = 'alpha'");
        QTemporaryDir dir;
        const auto run = runTickscope({"export", "--db", db(), "--from", "2026-03-01T00:00:00Z",
            "--to", "2026-03-01T12:00:00Z", "--exchange", "alpha", "--out",
            dir.filePath(QStringLiteral("trades.csv"))});
        pqxx::nontransaction{connection}.exec("DELETE FROM audit.gaps WHERE kind = 'outage'");
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral("known gaps:   2 (1 open), 120.0 s of 86400 s "
                                                 "instrument-time")),
            qPrintable(run.out));
    }

private:
    QString db() const { return QString::fromStdString(m_conninfo); }

    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestExport)
#include "test_export.moc"
