// `tickscope bars` against a real database: the stored trades of one instrument become the bars
// that a hand computation gives, with indicators, the gap flag and each output format; bad
// arguments are usage errors that say what was wrong.
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

testing::TickscopeRun bars(const QStringList &arguments)
{
    return testing::runTickscope(QStringList{QStringLiteral("bars")} + arguments);
}

} // namespace

class TestBarsCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_conninfo = testing::migratedDatabase("bars");
        auto connection = db::connect(m_conninfo, "test");
        pqxx::work tx{connection};
        tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
                "VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT'), ('binance', 'ETHUSDT', 'ETH', "
                "'USDT')");
        // Five trades from 2026-01-01 00:00:00 UTC; notionals 100, 202, 148.5, 51, 309. An
        // ETHUSDT trade in between must not count.
        tx.exec(R"sql(
            INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id,
                                            price_units, price_scale, size_units, size_scale, side)
            SELECT '2026-01-01 00:00:00+00'::timestamptz + t.s * interval '1 second', 0,
                   i.instrument_id, t.id, t.price_units, t.price_scale, t.size_units, t.size_scale,
                   t.side
            FROM (VALUES (0, 1, 100, 0, 1, 0, 'B'), (1, 2, 101, 0, 2, 0, 'S'),
                         (2, 3, 99, 0, 15, 1, 'B'), (61, 4, 102, 0, 5, 1, 'S'),
                         (62, 5, 103, 0, 3, 0, 'B'))
                AS t(s, id, price_units, price_scale, size_units, size_scale, side)
            CROSS JOIN market_data.instruments i WHERE i.symbol = 'BTCUSDT';
            INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id,
                                            price_units, price_scale, size_units, size_scale, side)
            SELECT '2026-01-01 00:00:01.5+00', 0, instrument_id, 9, 3000, 0, 7, 0, 'B'
            FROM market_data.instruments WHERE symbol = 'ETHUSDT';
            INSERT INTO audit.gaps (instrument_id, kind, gap_start, gap_end, note)
            SELECT instrument_id, 'outage', '2026-01-01 00:00:30+00', '2026-01-01 00:00:40+00',
                   'journal disk full' FROM market_data.instruments WHERE symbol = 'BTCUSDT';
        )sql");
        tx.commit();
    }

    void tickBarsAsCsv()
    {
        const auto run = bars({QStringLiteral("--db"), QString::fromStdString(m_conninfo),
            QStringLiteral("--exchange"), QStringLiteral("binance"), QStringLiteral("--symbol"),
            QStringLiteral("BTCUSDT"), QStringLiteral("--kind"), QStringLiteral("tick"),
            QStringLiteral("--size"), QStringLiteral("2"), QStringLiteral("--from"),
            QStringLiteral("2026-01-01"), QStringLiteral("--to"),
            QStringLiteral("2026-01-02T00:00:00Z"), QStringLiteral("--indicators"),
            QStringLiteral("sma:2,vwap"), QStringLiteral("--format"), QStringLiteral("csv")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QStringList lines = run.out.trimmed().split(u'\n');
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0],
            QStringLiteral("open_time,close_time,open,high,low,close,volume,notional,vwap,"
                           "buy_volume,sell_volume,trades,spans_gap,sma_2,vwap_cumulative"));
        QCOMPARE(lines[1],
            QStringLiteral("2026-01-01T00:00:00.000Z,2026-01-01T00:00:01.000Z,100,101,100,101,3,"
                           "302,100.666666667,1,2,2,false,,100.666666667"));
        QCOMPARE(lines[2],
            QStringLiteral("2026-01-01T00:00:02.000Z,2026-01-01T00:01:01.000Z,99,102,99,102,2,"
                           "199.5,99.75,1.5,0.5,2,true,101.5,100.3"));
        QCOMPARE(lines[3],
            QStringLiteral("2026-01-01T00:01:02.000Z,2026-01-01T00:01:02.000Z,103,103,103,103,3,"
                           "309,103,3,0,1,false,102.5,101.3125"));
    }

    void volumeBarsAsJson()
    {
        const auto run = bars({QStringLiteral("--db"), QString::fromStdString(m_conninfo),
            QStringLiteral("--exchange"), QStringLiteral("binance"), QStringLiteral("--symbol"),
            QStringLiteral("BTCUSDT"), QStringLiteral("--kind"), QStringLiteral("volume"),
            QStringLiteral("--size"), QStringLiteral("2.5"), QStringLiteral("--from"),
            QStringLiteral("2026-01-01"), QStringLiteral("--to"), QStringLiteral("2026-01-02"),
            QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonArray rows = QJsonDocument::fromJson(run.out.toUtf8()).array();
        QCOMPARE(rows.size(), 2);
        QCOMPARE(rows[1][QStringLiteral("volume")].toString(), QStringLiteral("5"));
        QCOMPARE(rows[1][QStringLiteral("trades")].toString(), QStringLiteral("3"));
        QCOMPARE(rows[1][QStringLiteral("close")].toString(), QStringLiteral("103"));
    }

    void mistakes_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QStringList base{QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--symbol"), QStringLiteral("BTCUSDT"), QStringLiteral("--from"),
            QStringLiteral("2026-01-01")};
        QTest::newRow("no symbol") << QStringList{QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--from"), QStringLiteral("2026-01-01")}
                                   << 2 << "give --symbol";
        QTest::newRow("kind") << base
                + QStringList{QStringLiteral("--kind"), QStringLiteral("renko")}
                              << 2 << "--kind must be time, tick, volume or dollar, not 'renko'";
        QTest::newRow("time size")
            << base + QStringList{QStringLiteral("--size"), QStringLiteral("5x")} << 2
            << "--size of time bars is a number with s, m, h or d";
        QTest::newRow("volume size")
            << base
                + QStringList{QStringLiteral("--kind"), QStringLiteral("volume"),
                    QStringLiteral("--size"), QStringLiteral("-1")}
            << 2 << "--size of volume and dollar bars is a positive decimal, not '-1'";
        QTest::newRow("time") << QStringList{QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--symbol"), QStringLiteral("BTCUSDT"),
            QStringLiteral("--from"), QStringLiteral("yesterday")}
                              << 2 << "--from 'yesterday' is not an ISO 8601 time";
        QTest::newRow("centuries")
            << base + QStringList{QStringLiteral("--to"), QStringLiteral("2263-01-01")} << 2
            << "--to '2263-01-01' is outside 1970-01-01 .. 2262-03-31";
        QTest::newRow("range") << base
                + QStringList{QStringLiteral("--to"), QStringLiteral("2025-12-31")}
                               << 2 << "--from must be before --to";
        QTest::newRow("indicator")
            << base + QStringList{QStringLiteral("--indicators"), QStringLiteral("macd:12")} << 2
            << "'macd:12' is not sma:N";
        QTest::newRow("unknown instrument")
            << QStringList{QStringLiteral("--exchange"), QStringLiteral("binance"),
                   QStringLiteral("--symbol"), QStringLiteral("DOGEUSDT"), QStringLiteral("--from"),
                   QStringLiteral("2026-01-01")}
            << 1 << "the database holds no instrument DOGEUSDT of exchange binance";
    }

    void mistakes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const auto run = bars(
            arguments + QStringList{QStringLiteral("--db"), QString::fromStdString(m_conninfo)});
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

private:
    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestBarsCommand)
#include "test_bars_command.moc"
