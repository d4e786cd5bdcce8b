// `tickscope replay` on a capture with known faults: the report names every gap, break and bad
// line where it is, the books end where they should, and without --dry-run the rows land once.
#include "db/connection.h"
#include "tests/support/kraken_checksum_guide.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

QByteArray lower(const char *symbol)
{
    return QByteArray(symbol).toLower();
}

QByteArray trade(const char *symbol, int id)
{
    return QByteArray::fromStdString(std::format(
        R"({{"stream":"{}@trade","data":{{"e":"trade","E":1764000000000,"s":"{}","t":{},"p":"100.5","q":"0.25000000","T":{},"m":false,"M":true}}}})",
        lower(symbol).toStdString(), symbol, id, 1764000000000LL + id));
}

QByteArray depth(const char *symbol, int first, int last, const char *bids, const char *asks)
{
    return QByteArray::fromStdString(std::format(
        R"({{"stream":"{}@depth@100ms","data":{{"e":"depthUpdate","E":{},"s":"{}","U":{},"u":{},"b":{},"a":{}}}}})",
        lower(symbol).toStdString(), 1764000000000LL + last, symbol, first, last, bids, asks));
}

// An aggregate of Binance's aggTrade stream covering trade ids first..last, `time` ms after
// the capture's start.
QByteArray aggTrade(int first, int last, int time)
{
    return QStringLiteral(R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade",)"
                          R"("E":%3,"s":"BTCUSDT","a":%1,"p":"60000.5","q":"0.5",)"
                          R"("f":%1,"l":%2,"T":%3,"m":false,"M":true}})")
        .arg(first)
        .arg(last)
        .arg(1764000000000LL + time)
        .toUtf8();
}

testing::TickscopeRun replay(const QStringList &arguments)
{
    return testing::runTickscope(QStringList{QStringLiteral("replay")} + arguments);
}

} // namespace

class TestReplay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QList<QByteArray> lines;
        for (int id = 1; id <= 20; ++id) {
            if (id == 11 || id == 12)
                continue; // trade ids 11 and 12 never arrive
            lines << trade("BTCUSDT", id);
        }
        lines << depth("BTCUSDT", 95, 98, "[]", "[]"); // older than the snapshot: dropped
        lines << depth("BTCUSDT", 99, 103, "[[\"99.5\",\"2\"]]", "[]"); // straddles it: applied
        lines << depth("BTCUSDT", 104, 106, "[[\"100\",\"0\"]]", "[[\"101\",\"0.5\"]]"); // applied
        lines << QByteArray(
            "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"BTC"); // cut off
        m_breakLine = lines.size() + 1;
        lines << depth("BTCUSDT", 110, 112, "[]", "[]"); // 107..109 lost: the book is discarded
        lines << trade("ETHUSDT", 500);
        lines << depth("ETHUSDT", 7, 8, "[[\"3000.1\",\"1\"]]", "[[\"3000.2\",\"0\"]]");
        m_malformedLine = lines.size() - 3;
        QFile capture{m_dir.filePath(QStringLiteral("capture.jsonl"))};
        QVERIFY(capture.open(QIODevice::WriteOnly));
        for (const auto &line : lines)
            capture.write(line + '\n');
        capture.close();
        writeFile(QStringLiteral("btc.json"),
            R"({"lastUpdateId":100,"bids":[["100","1"],["99","3"]],"asks":[["101","1"],["102","4"]]})");
        writeFile(QStringLiteral("eth.json"),
            R"({"lastUpdateId":6,"bids":[["3000","5"]],"asks":[["3000.2","1"],["3000.3","2"]]})");
    }

    void reportsWhatTheCaptureHolds()
    {
        const auto run = replay(
            {QStringLiteral("--exchange"), QStringLiteral("binance"), QStringLiteral("--input"),
                m_dir.filePath(QStringLiteral("capture.jsonl")), QStringLiteral("--book-snapshot"),
                QStringLiteral("BTCUSDT=") + m_dir.filePath(QStringLiteral("btc.json")),
                QStringLiteral("--book-snapshot"),
                QStringLiteral("ETHUSDT=") + m_dir.filePath(QStringLiteral("eth.json")),
                QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(
            report[QStringLiteral("lines")].toInt(), 25 + 2); // the snapshots count as lines too
        const QJsonArray errors = report[QStringLiteral("parse_errors")].toArray();
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors[0][QStringLiteral("line")].toInt(), m_malformedLine);

        const QJsonObject btc
            = report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")].toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 18);
        const QJsonArray tradeGaps = btc[QStringLiteral("trade_gaps")].toArray();
        QCOMPARE(tradeGaps.size(), 1);
        QCOMPARE(tradeGaps[0][QStringLiteral("first_missing")].toInt(), 11);
        QCOMPARE(tradeGaps[0][QStringLiteral("last_missing")].toInt(), 12);
        QCOMPARE(tradeGaps[0][QStringLiteral("line")].toInt(), 11);
        QCOMPARE(btc[QStringLiteral("book_updates_applied")].toInt(), 2);
        QCOMPARE(btc[QStringLiteral("book_updates_dropped")].toInt(), 1);
        const QJsonArray breaks = btc[QStringLiteral("sequence_breaks")].toArray();
        QCOMPARE(breaks.size(), 1);
        QCOMPARE(breaks[0][QStringLiteral("line")].toInt(), m_breakLine);
        QCOMPARE(breaks[0][QStringLiteral("first_missing")].toInt(), 107);
        QCOMPARE(breaks[0][QStringLiteral("last_missing")].toInt(), 109);
        QVERIFY(btc[QStringLiteral("best_bid")].toArray().isEmpty()); // discarded at the break

        const QJsonObject eth
            = report[QStringLiteral("symbols")][QStringLiteral("ETHUSDT")].toObject();
        QCOMPARE(eth[QStringLiteral("trades")].toInt(), 1);
        QCOMPARE(eth[QStringLiteral("best_bid")].toArray(),
            (QJsonArray{QStringLiteral("3000.1"), QStringLiteral("1")}));
        QCOMPARE(eth[QStringLiteral("best_ask")].toArray(),
            (QJsonArray{QStringLiteral("3000.3"), QStringLiteral("2")}));
    }

    // A capture of another recorder: channels Tickscope does not store are counted by channel,
    // never reported malformed; a depth update without a snapshot is reported as waiting.
    void otherChannelsAreCountedNotMalformed()
    {
        writeFile(QStringLiteral("mixed.jsonl"),
            R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1764000000000,"s":"BTCUSDT","t":100,"p":"60000.00","q":"0.001","T":1764000000000,"m":true,"M":true}})"
            "\n"
            R"({"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})"
            "\n"
            R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1764000000000,"s":"BTCUSDT","k":{"t":1764000000000,"i":"1m","o":"0.0010","x":false}}})"
            "\n"
            R"({"stream":"btcusdt@ticker","data":{"e":"24hrTicker","E":1764000000000,"s":"BTCUSDT","p":"0.0015","b":"0.0024","B":"10","a":"0.0026","A":"100"}})"
            "\n"
            R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1764000000002,"s":"BTCUSDT","a":5933014,"p":"0.001","q":"100","f":100,"l":105,"T":1764000000002,"m":true,"M":true}})"
            "\n"
            R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1764000000001,"s":"BTCUSDT","t":101,"p":"60000.10","q":"0.002","T":1764000000001,"m":false,"M":true}})"
            "\n"
            R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1764000000003,"s":"BTCUSDT","U":157,"u":160,"b":[["0.0024","10"]],"a":[["0.0026","100"]]}})"
            "\n");
        const auto run = replay({QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("mixed.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QVERIFY2(report[QStringLiteral("parse_errors")].toArray().isEmpty(), qPrintable(run.out));
        QCOMPARE(report[QStringLiteral("ignored")].toObject(),
            (QJsonObject{{QStringLiteral("aggTrade"), 1}, {QStringLiteral("bookTicker"), 1},
                {QStringLiteral("kline_1m"), 1}, {QStringLiteral("ticker"), 1}}));
        const QJsonObject btc
            = report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")].toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 2);
        QVERIFY(btc[QStringLiteral("trade_gaps")].toArray().isEmpty());
        QCOMPARE(btc[QStringLiteral("book_updates_waiting_for_snapshot")].toInt(), 1);
        QCOMPARE(btc[QStringLiteral("book_updates_applied")].toInt(), 0);
    }

    // A capture of Binance's aggTrade stream, replayed with trade_stream = aggTrade: each
    // aggregate is a trade covering its ids f..l, a hole between two aggregates is a trade-id gap
    // with its line, and the @trade frames in it are the channel not stored.
    void aggTradeCapture()
    {
        writeFile(QStringLiteral("aggtrades.jsonl"),
            aggTrade(100, 105, 0) + '\n' + aggTrade(106, 106, 1) + '\n'
                + R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1764000000002,"s":"BTCUSDT","t":106,"p":"60000.5","q":"0.1","T":1764000000002,"m":true,"M":true}})"
                + '\n' + aggTrade(110, 112, 3) + '\n');
        const auto run = replay({QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--option"), QStringLiteral("trade_stream=aggTrade"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("aggtrades.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QVERIFY2(report[QStringLiteral("parse_errors")].toArray().isEmpty(), qPrintable(run.out));
        QCOMPARE(report[QStringLiteral("ignored")].toObject(),
            (QJsonObject{{QStringLiteral("trade"), 1}}));
        const QJsonObject btc
            = report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")].toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 3);
        const QJsonArray gaps = btc[QStringLiteral("trade_gaps")].toArray();
        QCOMPARE(gaps.size(), 1);
        QCOMPARE(gaps[0][QStringLiteral("first_missing")].toInt(), 107);
        QCOMPARE(gaps[0][QStringLiteral("last_missing")].toInt(), 109);
        QCOMPARE(gaps[0][QStringLiteral("line")].toInt(), 4);
    }

    // An OKX capture: aggregated trades with a hole before one, a checksum that fails (the book
    // is discarded, the next update dropped), channels not stored, a cut line. Symbols are found
    // in the capture.
    void okxCaptureReport()
    {
        writeFile(QStringLiteral("okx.jsonl"),
            R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a"})"
            "\n"
            R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["3366.8","9","0","1"],["3368","8","0","3"]],"bids":[["3366.1","7","0","1"],["3366","6","0","2"]],"ts":"1597026383085","checksum":-1881014294,"prevSeqId":-1,"seqId":10}]})"
            "\n"
            R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"100","px":"3366.5","sz":"1","side":"buy","ts":"1597026383090","count":"1"}]})"
            "\n"
            R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"105","px":"3366.5","sz":"1","side":"buy","ts":"1597026383091","count":"2"}]})"
            "\n"
            R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["3372","8","0","1"]],"bids":[["3366","0","0","0"]],"ts":"1597026383095","checksum":12345,"prevSeqId":10,"seqId":15}]})"
            "\n"
            R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1597026383096","checksum":1,"prevSeqId":15,"seqId":16}]})"
            "\n"
            R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","last":"1"}]})"
            "\npong\n"
            R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[)"
            "\n");
        const auto run = replay({QStringLiteral("--exchange"), QStringLiteral("okx"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("okx.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(report[QStringLiteral("ignored")].toObject(),
            (QJsonObject{{QStringLiteral("pong"), 1}, {QStringLiteral("tickers"), 1}}));
        const QJsonArray errors = report[QStringLiteral("parse_errors")].toArray();
        QCOMPARE(errors.size(), 1);
        QCOMPARE(errors[0][QStringLiteral("line")].toInt(), 9);
        const QJsonObject btc
            = report[QStringLiteral("symbols")][QStringLiteral("BTC-USDT")].toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 2);
        // 105 with a count of 2 covers 104 and 105.
        QCOMPARE(btc[QStringLiteral("trade_gaps")].toArray(),
            (QJsonArray{QJsonObject{{QStringLiteral("line"), 4},
                {QStringLiteral("first_missing"), 101}, {QStringLiteral("last_missing"), 103}}}));
        const QJsonArray windows = btc[QStringLiteral("window_gaps")].toArray();
        QCOMPARE(windows.size(), 1);
        QCOMPARE(windows[0][QStringLiteral("kind")].toString(), QStringLiteral("checksum"));
        QCOMPARE(windows[0][QStringLiteral("line")].toInt(), 5);
        QVERIFY(windows[0][QStringLiteral("cause")].toString().contains(
            QStringLiteral("12345 sent, 831078360 computed")));
        QCOMPARE(btc[QStringLiteral("book_updates_applied")].toInt(), 1);
        QCOMPARE(btc[QStringLiteral("book_updates_dropped")].toInt(), 1);
        QVERIFY(btc[QStringLiteral("best_bid")].toArray().isEmpty()); // the book was discarded
    }

    // Captures recorded by other tools (issue 26): an instrument Tickscope cannot split, a
    // Binance capture of aggTrade alone, Kraken without its instrument channel, Coinbase
    // Advanced Trade ids with a hole. On eeff8bb the first two refused to start (or stored
    // nothing), the third checked no checksum without saying so, the last found no gap.
    void anInstrumentThatCannotBeSplitIsReportedNotFatal()
    {
        const auto okxTrade = [](const char *instrument, int id) {
            return QStringLiteral(R"({"arg":{"channel":"trades","instId":"%1"},"data":[{)"
                                  R"("instId":"%1","tradeId":"%2","px":"3366.5","sz":"1",)"
                                  R"("side":"buy","ts":"%3","count":"1"}]})")
                .arg(QLatin1String(instrument))
                .arg(id)
                .arg(1597026383090LL + id)
                .toUtf8();
        };
        writeFile(QStringLiteral("okx-futures.jsonl"),
            okxTrade("BTC-USDT", 1) + '\n' + okxTrade("BTC-USD-220527", 7) + '\n'
                + okxTrade("BTC-USDT", 2) + '\n' + okxTrade("BTC-USD-220527", 8) + '\n'
                + okxTrade("BTC-USD-220527", 9) + '\n');
        auto run = replay({QStringLiteral("--exchange"), QStringLiteral("okx"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("okx-futures.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(
            report[QStringLiteral("symbols")][QStringLiteral("BTC-USDT")][QStringLiteral("trades")]
                .toInt(),
            2);
        const QJsonArray unmapped = report[QStringLiteral("unmapped_instruments")].toArray();
        QCOMPARE(unmapped.size(), 1);
        QCOMPARE(
            unmapped[0][QStringLiteral("symbol")].toString(), QStringLiteral("BTC-USD-220527"));
        QCOMPARE(unmapped[0][QStringLiteral("frames")].toInt(), 3);
        QVERIFY(!unmapped[0][QStringLiteral("reason")].toString().isEmpty());

        run = replay(
            {QStringLiteral("--exchange"), QStringLiteral("okx"), QStringLiteral("--input"),
                m_dir.filePath(QStringLiteral("okx-futures.jsonl")), QStringLiteral("--dry-run")});
        QVERIFY2(run.out.startsWith(QStringLiteral("not stored: BTC-USD-220527, 3 frames (")),
            qPrintable(run.out));

        // Nothing that can be stored: a failure naming each instrument and why.
        writeFile(QStringLiteral("okx-futures-only.jsonl"), okxTrade("BTC-USD-220527", 7) + '\n');
        run = replay({QStringLiteral("--exchange"), QStringLiteral("okx"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("okx-futures-only.jsonl")),
            QStringLiteral("--dry-run")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral(
                     "no instrument of the input can be stored: BTC-USD-220527 (1 frames): ")),
            qPrintable(run.err));
    }

    void aCaptureOfAggTradeAloneIsReadAsAggTrades()
    {
        writeFile(QStringLiteral("aggtrade-only.jsonl"),
            aggTrade(100, 105, 0) + '\n' + aggTrade(106, 106, 1) + '\n' + aggTrade(107, 110, 2)
                + '\n');
        auto run = replay({QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("aggtrade-only.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(report[QStringLiteral("settings")][QStringLiteral("trade_stream")].toString(),
            QStringLiteral("aggTrade"));
        const QJsonObject btc
            = report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")].toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 3);
        QVERIFY(btc[QStringLiteral("trade_gaps")].toArray().isEmpty());

        run = replay({QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("aggtrade-only.jsonl")),
            QStringLiteral("--dry-run")});
        QVERIFY2(run.out.startsWith(QStringLiteral("took trade_stream=aggTrade: frames of data in "
                                                   "the input: 0 with trade_stream=trade, 3 with "
                                                   "trade_stream=aggTrade")),
            qPrintable(run.out));
    }

    void krakenChecksumsWithoutTheInstrumentChannel()
    {
        const QByteArray snapshot = QByteArray::fromStdString(testing::kKrakenGuideSnapshot);
        const QByteArray update = QByteArray::fromStdString(testing::krakenGuideUpdate());
        writeFile(QStringLiteral("kraken.jsonl"), snapshot + '\n' + update + '\n');
        auto run = replay({QStringLiteral("--exchange"), QStringLiteral("kraken"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("kraken.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject btc = QJsonDocument::fromJson(run.out.toUtf8())
                                    .object()[QStringLiteral("symbols")][QStringLiteral("BTC/USD")]
                                    .toObject();
        QCOMPARE(btc[QStringLiteral("book_checksums_checked")].toInt(), 2);
        QVERIFY(btc[QStringLiteral("window_gaps")].toArray().isEmpty());

        // A snapshot whose checksum matches no precisions: said plainly.
        QByteArray garbled = snapshot;
        garbled.replace("3310070434", "1234567890");
        writeFile(QStringLiteral("kraken-garbled.jsonl"), garbled + '\n' + update + '\n');
        run = replay({QStringLiteral("--exchange"), QStringLiteral("kraken"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("kraken-garbled.jsonl")),
            QStringLiteral("--dry-run")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(
            run.out.contains(QStringLiteral("book checksums NOT checked")), qPrintable(run.out));
    }

    void coinbaseAdvancedTradeIdsWithAHole()
    {
        const auto trades = [](int sequence, int id) {
            return QStringLiteral(R"({"channel":"market_trades","client_id":"",)"
                                  R"("timestamp":"2025-01-01T00:00:0%1Z","sequence_num":%1,)"
                                  R"("events":[{"type":"update","trades":[{"trade_id":"%2",)"
                                  R"("product_id":"BTC-USD","price":"100.5","size":"0.1",)"
                                  R"("side":"BUY","time":"2025-01-01T00:00:0%1Z"}]}]})")
                .arg(sequence)
                .arg(id)
                .toUtf8();
        };
        writeFile(QStringLiteral("advanced.jsonl"),
            trades(0, 500) + '\n' + trades(1, 501) + '\n' + trades(2, 504) + '\n');
        const auto run = replay({QStringLiteral("--exchange"), QStringLiteral("coinbase_advanced"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("advanced.jsonl")),
            QStringLiteral("--dry-run"), QStringLiteral("--report"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject btc = QJsonDocument::fromJson(run.out.toUtf8())
                                    .object()[QStringLiteral("symbols")][QStringLiteral("BTC-USD")]
                                    .toObject();
        QCOMPARE(btc[QStringLiteral("trades")].toInt(), 3);
        QCOMPARE(btc[QStringLiteral("trade_gaps")].toArray(),
            (QJsonArray{QJsonObject{{QStringLiteral("line"), 3},
                {QStringLiteral("first_missing"), 502}, {QStringLiteral("last_missing"), 503}}}));
    }

    void writesToTheDatabaseOnce()
    {
        const std::string conninfo = testing::TestCluster::instance().createDatabase("replay");
        const QStringList arguments{QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--input"), m_dir.filePath(QStringLiteral("capture.jsonl")),
            QStringLiteral("--db"), QString::fromStdString(conninfo)};
        for (int run = 0; run < 2; ++run) {
            const auto result = replay(arguments);
            QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        }
        auto connection = db::connect(conninfo, "test");
        pqxx::nontransaction tx{connection};
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.trades").one_field().as<int>(), 19);
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.book_deltas").one_field().as<int>(), 5);
        QCOMPARE(
            tx.exec(
                  "SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND first_missing = 11 "
                  "AND last_missing = 12")
                .one_field()
                .as<int>(),
            1);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("no input") << QStringList{QStringLiteral("--dry-run")}
                                  << "give exactly one of --input and --journal";
        QTest::newRow("no exchange") << QStringList{QStringLiteral("--input"), QStringLiteral("x")}
                                     << "give --exchange: binance";
        QTest::newRow("other exchange")
            << QStringList{QStringLiteral("--exchange"), QStringLiteral("deribit"),
                   QStringLiteral("--input"), QStringLiteral("x")}
            << "\"deribit\" is no exchange Tickscope speaks (it speaks binance, ";
        QTest::newRow("setting of no adapter") << QStringList{QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--input"), QStringLiteral("x"),
            QStringLiteral("--option"), QStringLiteral("depth=5")}
                                               << "binance has no setting \"depth\"";
        QTest::newRow("setting's value") << QStringList{QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--input"), QStringLiteral("x"),
            QStringLiteral("--option"), QStringLiteral("time_unit=ns")}
                                         << "time_unit must be \"ms\" or \"us\", not \"ns\"";
        QTest::newRow("report format") << QStringList{QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--input"), QStringLiteral("x"),
            QStringLiteral("--report"), QStringLiteral("xml")}
                                       << "--report must be text or json";
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto run = replay(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

    void missingInputIsAClearFailure()
    {
        const auto run = replay(
            {QStringLiteral("--exchange"), QStringLiteral("binance"), QStringLiteral("--input"),
                QStringLiteral("/nonexistent/capture.jsonl"), QStringLiteral("--dry-run")});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("cannot read /nonexistent/capture.jsonl")));
        const auto journal = replay(
            {QStringLiteral("--exchange"), QStringLiteral("binance"), QStringLiteral("--journal"),
                QStringLiteral("/nonexistent/binance"), QStringLiteral("--dry-run")});
        QCOMPARE(journal.exitCode, 1);
        QVERIFY2(journal.err.contains(
                     QStringLiteral("cannot read journal /nonexistent/binance: no such directory")),
            qPrintable(journal.err));
        const auto empty = replay({QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--journal"), m_dir.path(), QStringLiteral("--dry-run")});
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(
            empty.err.contains(QStringLiteral("holds no journal segments")), qPrintable(empty.err));
    }

private:
    void writeFile(const QString &name, const QByteArray &contents)
    {
        QFile file{m_dir.filePath(name)};
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(contents);
    }

    QTemporaryDir m_dir;
    int m_breakLine = 0;
    int m_malformedLine = 0;
};

QTEST_GUILESS_MAIN(TestReplay)
#include "test_replay.moc"
