// The read-only query API over real HTTP against a real database, as the desk's programs use it:
// known trades and gaps are stored, and every answer is compared with what SQL computes from the
// same rows independently (OHLCV by ordered array_agg, not through the aggregates the API reads).
// The API runs on its HTTP thread as in the running job and logs in as a member of
// tickscope_reader, with a bearer token; bad parameters, a missing
// token and a stopped server give the answers a client can act on.
#include "app/cli/cli.h"
#include "app/services/http_service.h"
#include "db/trade_queries.h"
#include "tests/support/http_get.h"
#include "tests/support/schema_fixture.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

const QByteArray kToken = "query-api-test-token-0123456789";
constexpr int kTrades = 2500; // BTCUSDT, one every 100 ms from 10:00:00: 250 s of them
const char *kFirstTrade = "2026-11-30 10:00:00+00";

struct Answer
{
    int status = 0;
    QJsonObject body;
    QByteArray authenticate; // WWW-Authenticate
    QByteArray retryAfter;
};

constexpr int kMaxQueries = 4;

} // namespace

class TestQueryApi : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("query_api");
            auto connection = db::connect(m_conninfo, "test");
            pqxx::work tx{connection};
            tx.exec("DROP ROLE IF EXISTS api_reader; "
                    "CREATE ROLE api_reader LOGIN PASSWORD 'api-reader-password' "
                    "IN ROLE tickscope_reader");
            m_btc = tx.query_value<int>(
                "INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
                "VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT') RETURNING instrument_id");
            const int eth = tx.query_value<int>(
                "INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
                "VALUES ('bybit', 'ETHUSDT', 'ETH', 'USDT') RETURNING instrument_id");
            tx.exec(std::format(
                "INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                "  trade_id, price_units, price_scale, size_units, size_scale, side) "
                "SELECT timestamptz '{0}' + i * interval '100 milliseconds', 3000, {1}, "
                "  1000 + i, 1000 + (i * 37) % 101, 1, 1 + i % 13, 3, "
                "  CASE WHEN i % 3 = 0 THEN 'S' ELSE 'B' END "
                "FROM generate_series(0, {2} - 1) i",
                kFirstTrade, m_btc, kTrades));
            // Bybit's ids are UUIDs: they are kept as uuid.
            tx.exec(std::format(
                "INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                "  trade_uuid, price_units, price_scale, size_units, size_scale, side) VALUES "
                "('2026-11-30 10:00:01+00', 2000, {0}, "
                "  'a3f0c2de-0001-4b7e-9c1d-000000000001', 300025, 2, 5, 1, 'B'), "
                "('2026-11-30 10:00:02+00', 2000, {0}, "
                "  'a3f0c2de-0001-4b7e-9c1d-000000000002', 3001125, 3, 125, 2, 'S')",
                eth));
            // A trade-id gap of 30 s, and two window gaps overlapping by 15 s: 75 s missing.
            tx.exec(std::format(
                "INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, "
                "  gap_start, gap_end, status, note) VALUES "
                "({0}, 'trade_id', 5000, 5009, '2026-11-30 10:01:10+00', "
                "  '2026-11-30 10:01:40+00', 'open', NULL), "
                "({0}, 'disconnect', NULL, NULL, '2026-11-30 10:02:00+00', "
                "  '2026-11-30 10:02:30+00', 'unrecoverable', 'feed disconnected'), "
                "({0}, 'outage', NULL, NULL, '2026-11-30 10:02:15+00', "
                "  '2026-11-30 10:02:45+00', 'open', 'journal disk full')",
                m_btc));
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) "
                    "SELECT DISTINCT instrument_id, time_bucket('1 minute', time) "
                    "FROM market_data.trades");
            tx.commit();
            pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
            pqxx::nontransaction{connection}.exec("CALL market_data.rebuild_latest_trades()");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
        m_http = std::make_unique<app::HttpService>(
            app::HttpSettings{.listen = std::pair{QStringLiteral("127.0.0.1"), quint16(0)},
                .token = kToken,
                .queryTimeout = std::chrono::seconds(3),
                .maxQueries = kMaxQueries});
        m_http->queries().setDatabase(readerConninfo());
        QVERIFY(m_http->port());
        m_port = *m_http->port();
    }

    void latestTradePerInstrument()
    {
        const Answer answer = get("/api/v1/latest");
        QCOMPARE(answer.status, 200);
        const QJsonArray trades = answer.body[u"trades"].toArray();
        QCOMPARE(trades.size(), 2);
        const QJsonObject btc = trades[0].toObject();
        QCOMPARE(btc[u"exchange"].toString(), QStringLiteral("binance"));
        QCOMPARE(btc[u"symbol"].toString(), QStringLiteral("BTCUSDT"));
        QCOMPARE(btc[u"trade_id"].toString(), QString::number(1000 + kTrades - 1));
        QCOMPARE(btc[u"time"].toString(), QStringLiteral("2026-11-30T10:04:09.900000Z"));
        QCOMPARE(btc[u"received_at"].toString(), QStringLiteral("2026-11-30T10:04:09.903000Z"));
        QCOMPARE(btc[u"price"].toString(), QStringLiteral("104.8")); // 100 + (2499 * 37 % 101) / 10
        const QJsonObject eth = trades[1].toObject();
        QCOMPARE(
            eth[u"trade_id"].toString(), QStringLiteral("a3f0c2de-0001-4b7e-9c1d-000000000002"));
        QCOMPARE(eth[u"price"].toString(), QStringLiteral("3001.125"));
        QCOMPARE(eth[u"side"].toString(), QStringLiteral("sell"));

        const Answer one = get("/api/v1/latest?exchange=bybit&symbol=ETHUSDT");
        QCOMPARE(one.status, 200);
        QCOMPARE(one.body[u"trades"].toArray().size(), 1);
    }

    void tradesArePagedByCursorWithoutLossOrRepeat()
    {
        QStringList ids;
        QString path = QStringLiteral(
            "/api/v1/trades?exchange=binance&symbol=BTCUSDT&since=2026-11-30T10:00:00Z&limit=700");
        int pages = 0;
        while (true) {
            const Answer answer = get(path.toUtf8());
            QCOMPARE(answer.status, 200);
            for (const auto &trade : answer.body[u"trades"].toArray())
                ids << trade.toObject()[u"trade_id"].toString();
            ++pages;
            const QJsonValue next = answer.body[u"next_cursor"];
            if (next.isNull())
                break;
            QVERIFY(pages < 10);
            path
                = QStringLiteral("/api/v1/trades?exchange=binance&symbol=BTCUSDT&limit=700&cursor=")
                + next.toString();
        }
        QCOMPARE(pages, 4); // 700 + 700 + 700 + 400
        QCOMPARE(ids.size(), kTrades);
        for (int i = 0; i < kTrades; ++i)
            QCOMPARE(ids[i], QString::number(1000 + i));

        const Answer later = get("/api/v1/trades?exchange=binance&symbol=BTCUSDT"
                                 "&since=2026-11-30T10:04:00Z");
        QCOMPARE(later.body[u"trades"].toArray().size(), 100);
        QVERIFY(later.body[u"next_cursor"].isNull());
    }

    void ohlcvMatchesTheTrades_data()
    {
        QTest::addColumn<QString>("interval");
        QTest::addColumn<QString>("bucket");
        QTest::addColumn<QString>("source");
        QTest::newRow("1m level") << "1m" << "1 minute" << "aggregates.ohlcv_1m";
        QTest::newRow("5m level") << "5m" << "5 minutes" << "aggregates.ohlcv_5m";
        QTest::newRow("2m rolled up from 1m") << "2m" << "2 minutes" << "aggregates.ohlcv_1m";
        QTest::newRow("30s from trades") << "30s" << "30 seconds" << "market_data.trades";
    }

    void ohlcvMatchesTheTrades()
    {
        QFETCH(QString, interval);
        QFETCH(QString, bucket);
        QFETCH(QString, source);
        const Answer answer = get(QStringLiteral("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT"
                                                 "&interval=%1&from=2026-11-30T10:00:00Z"
                                                 "&to=2026-11-30T11:00:00Z")
                .arg(interval)
                .toUtf8());
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body[u"source"].toString(), source);
        if (source.startsWith(u"aggregates."))
            QVERIFY(answer.body[u"pending_refresh_from"].isNull()); // refreshed in initTestCase
        const QJsonArray bars = answer.body[u"bars"].toArray();
        const auto expected = rows(std::format(
            "SELECT to_char(time_bucket('{}', time) AT TIME ZONE 'UTC', "
            "  'YYYY-MM-DD\"T\"HH24:MI:SS'), "
            "  (array_agg(price ORDER BY time, trade_id))[1], max(price), min(price), "
            "  (array_agg(price ORDER BY time DESC, trade_id DESC))[1], sum(size), count(*), "
            "  sum(size) FILTER (WHERE side = 'B') "
            "FROM (SELECT time, trade_id, side, "
            "  market_data.to_numeric(price_units, price_scale) AS price, "
            "  market_data.to_numeric(size_units, size_scale) AS size "
            "  FROM market_data.trades WHERE instrument_id = {}) t GROUP BY 1 ORDER BY 1",
            bucket.toStdString(), m_btc));
        QCOMPARE(bars.size(), qsizetype(expected.size()));
        QVERIFY(!bars.isEmpty());
        for (qsizetype i = 0; i < bars.size(); ++i) {
            const QJsonObject bar = bars[i].toObject();
            const QStringList &want = expected[static_cast<std::size_t>(i)];
            QVERIFY2(bar[u"open_time"].toString().startsWith(want[0]),
                qPrintable(bar[u"open_time"].toString() + " vs " + want[0]));
            int column = 1;
            for (const char *name : {"open", "high", "low", "close", "volume"})
                QCOMPARE(bar[QLatin1String(name)].toString().toDouble(), want[column++].toDouble());
            QCOMPARE(bar[u"trades"].toInteger(), want[6].toLongLong());
            QCOMPARE(bar[u"buy_volume"].toString().toDouble(), want[7].toDouble());
        }
        // The trade-id gap of 10:01:10-10:01:40 lies in the second minute.
        if (interval == u"1m") {
            QVERIFY(!bars[0].toObject()[u"spans_gap"].toBool());
            QVERIFY(bars[1].toObject()[u"spans_gap"].toBool());
        }
    }

    void ohlcvSaysWhatWaitsForTheRefresh()
    {
        execute(std::format("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) "
                            "VALUES ({}, '2026-11-30 10:03:00+00')",
            m_btc));
        const Answer answer = get("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=1m"
                                  "&from=2026-11-30T10:00:00Z&to=2026-11-30T11:00:00Z");
        execute("DELETE FROM aggregates.refresh_queue");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body[u"pending_refresh_from"].toString(),
            QStringLiteral("2026-11-30T10:03:00.000000Z"));
    }

    void customBars()
    {
        const Answer ticks = get("/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=tick&size=100"
                                 "&from=2026-11-30T10:00:00Z&to=2026-11-30T11:00:00Z");
        QCOMPARE(ticks.status, 200);
        const QJsonArray bars = ticks.body[u"bars"].toArray();
        QCOMPARE(bars.size(), kTrades / 100);
        for (const auto &bar : bars)
            QCOMPARE(bar.toObject()[u"trades"].toInteger(), 100);
        QCOMPARE(bars[0].toObject()[u"open"].toString(), QStringLiteral("100"));
        QVERIFY(!ticks.body[u"truncated"].toBool());

        const Answer dollars = get("/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=dollar"
                                   "&size=50&from=2026-11-30T10:00:00Z&to=2026-11-30T11:00:00Z");
        QCOMPARE(dollars.status, 200);
        double notional = 0;
        for (const auto &bar : dollars.body[u"bars"].toArray())
            notional += bar.toObject()[u"notional"].toString().toDouble();
        const double stored
            = sql(std::format("SELECT sum(market_data.to_numeric(price_units, price_scale) "
                              "* market_data.to_numeric(size_units, size_scale)) "
                              "FROM market_data.trades WHERE instrument_id = {}",
                      m_btc))
                  .toDouble();
        QVERIFY2(qAbs(notional - stored) < 1e-9, qPrintable(QString::number(notional - stored)));
    }

    void gapsAndCompleteness()
    {
        const Answer gaps = get("/api/v1/gaps?exchange=binance&symbol=BTCUSDT");
        QCOMPARE(gaps.status, 200);
        const QJsonArray list = gaps.body[u"gaps"].toArray();
        QCOMPARE(list.size(), 3);
        QCOMPARE(list[2].toObject()[u"kind"].toString(), QStringLiteral("trade_id"));
        QCOMPARE(list[2].toObject()[u"first_missing"].toString(), QStringLiteral("5000"));
        QCOMPARE(
            list[2].toObject()[u"start"].toString(), QStringLiteral("2026-11-30T10:01:10.000000Z"));
        QCOMPARE(get("/api/v1/gaps?status=open").body[u"gaps"].toArray().size(), 2);

        const Answer complete = get("/api/v1/completeness?exchange=binance"
                                    "&from=2026-11-30T10:00:00Z&to=2026-11-30T10:05:00Z");
        QCOMPARE(complete.status, 200);
        const QJsonArray instruments = complete.body[u"instruments"].toArray();
        QCOMPARE(instruments.size(), 1);
        const QJsonObject btc = instruments[0].toObject();
        QCOMPARE(btc[u"gaps"].toInteger(), 3);
        QCOMPARE(btc[u"open_gaps"].toInteger(), 2);
        QCOMPARE(btc[u"gap_seconds"].toDouble(), 75.0); // overlapping gaps count once
        QCOMPARE(btc[u"completeness"].toDouble(), 0.75);
    }

    void barsStopReadingOnceTruncated()
    {
        // Tick bars of one trade: 10,000 bars are the first 10,000 trades; the read stops there
        // and the connection serves the next query.
        execute(std::format(
            "INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id, "
            "  price_units, price_scale, size_units, size_scale, side) "
            "SELECT timestamptz '2026-11-29 00:00:00+00' + i * interval '1 millisecond', 0, {}, "
            "  i, 1, 0, 1, 0, 'B' FROM generate_series(1, 200000) i",
            m_btc));
        auto connection = db::connect(readerConninfo(), "test");
        const std::int64_t from = *app::cli::parseTime(QStringLiteral("2026-11-29"));
        const std::int64_t to = *app::cli::parseTime(QStringLiteral("2026-11-30"));
        std::int64_t given = 0;
        const auto read = db::forEachTrade(
            connection, m_btc, from, to, [&](const model::Trade &) { return ++given < 10; });
        QCOMPARE(read, 10);
        QCOMPARE(given, 10);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>("SELECT 1"), 1);

        const Answer answer = get("/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=tick&size=1"
                                  "&from=2026-11-29&to=2026-11-30");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.body[u"bars"].toArray().size(), app::QueryApi::kMaxRows);
        QCOMPARE(answer.body[u"truncated"].toBool(), true);
        QCOMPARE(get("/api/v1/latest").status, 200);
        execute(std::format("DELETE FROM market_data.trades WHERE instrument_id = {} "
                            "AND time < '2026-11-30'",
            m_btc));
    }

    void badRequestsSayWhatIsWrong_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown parameter")
            << QByteArray("/api/v1/latest?symbl=BTCUSDT") << 400
            << "unknown parameter 'symbl'; this route takes exchange, symbol";
        QTest::newRow("no since") << QByteArray("/api/v1/trades?exchange=binance&symbol=BTCUSDT")
                                  << 400 << "give since (the first page) or cursor";
        QTest::newRow("bad time") << QByteArray(
            "/api/v1/trades?exchange=binance&symbol=BTCUSDT&since=yesterday")
                                  << 400 << "since 'yesterday' is not an ISO 8601 time";
        QTest::newRow("bad cursor")
            << QByteArray("/api/v1/trades?exchange=binance&symbol=BTCUSDT&cursor=zz") << 400
            << "cursor is not one this API gave";
        QTest::newRow("limit too big") << QByteArray(
            "/api/v1/trades?exchange=binance&symbol=BTCUSDT&since=2026-11-30&"
            "limit=100000") << 400 << "limit must be a whole number from 1 to 10000, not '100000'";
        QTest::newRow("unknown instrument")
            << QByteArray("/api/v1/trades?exchange=binance&symbol=DOGEUSDT&since=2026-11-30") << 404
            << "the database holds no instrument DOGEUSDT of exchange binance";
        QTest::newRow("bad interval") << QByteArray(
            "/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=1w&from=2026-11-30")
                                      << 400 << "interval is a number with s, m, h or d";
        QTest::newRow("too many bars")
            << QByteArray("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=1s"
                          "&from=2026-11-01&to=2026-11-30")
            << 400 << "from..to holds more than 10000 bars of 1s";
        QTest::newRow("from after to")
            << QByteArray("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=1m"
                          "&from=2026-11-30T11:00:00Z&to=2026-11-30T10:00:00Z")
            << 400 << "from must be before to";
        QTest::newRow("bad kind") << QByteArray(
            "/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=renko&size=1"
            "&from=2026-11-30") << 400
                                  << "kind must be time, tick, volume or dollar, not 'renko'";
        QTest::newRow("long trade range")
            << QByteArray("/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=tick&size=1"
                          "&from=2026-10-01&to=2026-11-30")
            << 400 << "bars built from trades cover at most 7 days";
        // Times and spans that once wrapped 64 bits and slipped past every guard.
        QTest::newRow("centuries of bars")
            << QByteArray("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=1m"
                          "&from=1700-01-01&to=2262-01-01")
            << 400 << "from '1700-01-01' is outside 1970-01-01 .. 2262-03-31";
        QTest::newRow("centuries of trades")
            << QByteArray("/api/v1/bars?exchange=binance&symbol=BTCUSDT&kind=tick&size=1"
                          "&from=1970-01-01&to=2263-01-01")
            << 400 << "to '2263-01-01' is outside 1970-01-01 .. 2262-03-31";
        QTest::newRow("interval past 64 bits")
            << QByteArray("/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=999999d"
                          "&from=2026-11-30")
            << 400 << "interval is a number with s, m, h or d (1m, 90s, 4h) up to 36500d";
        QTest::newRow("cursor past 64 bits")
            << QByteArray("/api/v1/trades?exchange=binance&symbol=BTCUSDT&cursor="
                          "ffffffffffffffff000000000000000001")
            << 400 << "cursor is not one this API gave";
        QTest::newRow("bad status") << QByteArray("/api/v1/gaps?status=closed") << 400
                                    << "status must be open, backfilled or unrecoverable";
        QTest::newRow("no such route") << QByteArray("/api/v1/candles") << 404
                                       << "no route GET /api/v1/candles; this server answers GET";
    }

    void badRequestsSayWhatIsWrong()
    {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QString, message);
        const Answer answer = get(path);
        QCOMPARE(answer.status, status);
        QVERIFY2(answer.body[u"error"].toString().startsWith(message),
            qPrintable(answer.body[u"error"].toString()));
    }

    void aTokenIsRequired()
    {
        const Answer none = get("/api/v1/latest", QByteArray());
        QCOMPARE(none.status, 401);
        QCOMPARE(none.authenticate, QByteArray("Bearer"));
        // Same length as the token, so that the constant-time comparison runs to the end.
        QByteArray wrong = kToken;
        wrong.back() = 'x';
        QCOMPARE(get("/api/v1/latest", wrong).status, 401);
        QCOMPARE(get("/metrics", QByteArray()).status, 401);
        // Without the token nothing is routed, so nothing lists the routes.
        const Answer unknown = get("/metrics-or-anything", QByteArray());
        QCOMPARE(unknown.status, 401);
        QVERIFY(!unknown.body[u"error"].toString().contains(u"/api/v1"));
    }

    // Queries wait behind a lock held here: the server cancels them after the API's timeout.
    void aSlowQueryIsCancelledByTheStatementTimeout()
    {
        auto locker = db::connect(m_conninfo, "test");
        pqxx::work lock{locker};
        lock.exec("LOCK TABLE market_data.latest_trades IN ACCESS EXCLUSIVE MODE");
        QElapsedTimer clock;
        clock.start();
        const Answer answer = get("/api/v1/latest");
        const qint64 waited = clock.elapsed();
        QCOMPARE(answer.status, 503);
        QCOMPARE(answer.retryAfter, QByteArray("1"));
        QVERIFY2(answer.body[u"error"].toString().startsWith(
                     u"the query took longer than the API allows (3 s)"),
            qPrintable(answer.body[u"error"].toString()));
        QVERIFY2(waited >= 2'900 && waited < 8'000, qPrintable(QString::number(waited)));
    }

    void aQueryWhoseClientLeftIsCancelled()
    {
        auto locker = db::connect(m_conninfo, "test");
        pqxx::work lock{locker};
        lock.exec("LOCK TABLE market_data.latest_trades IN ACCESS EXCLUSIVE MODE");
        QNetworkAccessManager network;
        QNetworkRequest request{
            QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/latest").arg(m_port))};
        request.setRawHeader("Authorization", "Bearer " + kToken);
        QNetworkReply *reply = network.get(request);
        QTRY_COMPARE_WITH_TIMEOUT(waitingQueries(), 1, 2'000);
        QElapsedTimer clock;
        clock.start();
        reply->abort();
        reply->deleteLater();
        QTRY_COMPARE_WITH_TIMEOUT(waitingQueries(), 0, 2'000); // the timeout is 3 s
        QVERIFY2(clock.elapsed() < 2'000, qPrintable(QString::number(clock.elapsed())));
    }

    void queriesPastTheBoundAreTurnedAway()
    {
        auto locker = db::connect(m_conninfo, "test");
        auto lock = std::make_unique<pqxx::work>(locker);
        lock->exec("LOCK TABLE market_data.latest_trades IN ACCESS EXCLUSIVE MODE");
        QNetworkAccessManager network;
        std::vector<QNetworkReply *> waiting;
        for (int i = 0; i < kMaxQueries; ++i) {
            QNetworkRequest request{
                QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/latest").arg(m_port))};
            request.setRawHeader("Authorization", "Bearer " + kToken);
            waiting.push_back(network.get(request));
        }
        QTRY_COMPARE_WITH_TIMEOUT(waitingQueries(), kMaxQueries, 2'000);
        const Answer turnedAway = get("/api/v1/latest");
        QCOMPARE(turnedAway.status, 503);
        QCOMPARE(turnedAway.retryAfter, QByteArray("1"));
        QVERIFY2(turnedAway.body[u"error"].toString().startsWith(
                     u"4 queries are running or waiting; try again shortly"),
            qPrintable(turnedAway.body[u"error"].toString()));
        lock->commit();
        for (QNetworkReply *reply : waiting) {
            QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 5'000);
            QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
            reply->deleteLater();
        }
        QCOMPARE(get("/api/v1/latest").status, 200);
    }

    void aStoppedServerIsA503AndARestartedOneAnswersAgain()
    {
        QCOMPARE(get("/api/v1/latest").status, 200); // a kept connection
        testing::TestCluster::instance().stopServer();
        const Answer down = get("/api/v1/latest");
        testing::TestCluster::instance().startServer();
        QCOMPARE(down.status, 503);
        QCOMPARE(down.retryAfter, QByteArray("1"));
        // The server's own message names hosts and users: it goes to the log, not to a client.
        QCOMPARE(down.body[u"error"].toString(),
            QStringLiteral("the database cannot be reached now; try again shortly"));
        QCOMPARE(get("/api/v1/latest").status, 200);
    }

private:
    std::string readerConninfo() const
    {
        return testing::TestCluster::instance().conninfo("query_api")
            + " user=api_reader password=api-reader-password";
    }

    // GET `path` with `token` (none when empty); the body parsed as a JSON object.
    Answer get(const QByteArray &path, const QByteArray &token = kToken)
    {
        const auto answer = testing::httpGet(m_port, QString::fromUtf8(path), token);
        return {answer.status, QJsonDocument::fromJson(answer.body).object(), answer.authenticate,
            answer.retryAfter};
    }

    // Queries of the API that wait for a lock on the server now.
    int waitingQueries()
    {
        auto connection = db::connect(m_conninfo, "test");
        return pqxx::nontransaction{connection}.query_value<int>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'tickscope query api' "
            "AND wait_event_type = 'Lock'");
    }

    void execute(const std::string &statement)
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::nontransaction{connection}.exec(statement);
    }

    QString sql(const std::string &query)
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::read_transaction tx{connection};
        return QString::fromStdString(tx.query_value<std::string>(query));
    }

    std::vector<QStringList> rows(const std::string &query)
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::read_transaction tx{connection};
        std::vector<QStringList> result;
        for (const auto &row : tx.exec(query)) {
            QStringList cells;
            for (const auto &field : row)
                cells << QString::fromStdString(field.as<std::string>());
            result.push_back(cells);
        }
        return result;
    }

    std::string m_conninfo;
    int m_btc = 0;
    std::unique_ptr<app::HttpService> m_http; // on its own thread, as in the running job
    quint16 m_port = 0;
};

QTEST_GUILESS_MAIN(TestQueryApi)
#include "test_query_api.moc"
