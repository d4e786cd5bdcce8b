// The simulated Binance exchange against a real WebSocket and HTTP client on 127.0.0.1: streams
// that follow Binance's rules (contiguous trade ids, depth diffs that chain and rebuild the true
// book from a REST snapshot), REST back-fill of what was streamed, the control messages, and each
// kind of fault showing up exactly as the report says; a market that continues an earlier run's
// last trade, id and price.
#include "app/sim/binance_json.h"
#include "app/sim/binance_simulator.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <memory>

using namespace tickscope::sim;
using namespace std::chrono_literals;

namespace {

constexpr int kTimeoutMs = 5000;

std::unique_ptr<BinanceSimulator> startSimulator(BinanceSimulator::Options options)
{
    auto simulator = std::make_unique<BinanceSimulator>(std::move(options));
    const auto started = simulator->start();
    if (!started)
        qFatal("cannot start the simulator: %s", qPrintable(started.error()));
    return simulator;
}

BinanceSimulator::Options options(
    std::vector<std::string> symbols, std::uint64_t seed, const QString &faults = {})
{
    const auto plan = FaultPlan::parse(faults);
    if (!plan)
        qFatal("bad fault spec: %s", qPrintable(plan.error()));
    return {.symbols = std::move(symbols),
        .tradesPerSecond = 2000,
        .depthInterval = 50ms,
        .seed = seed,
        .faults = *plan};
}

// One WebSocket connection to the simulator that keeps every text frame, in order, with the
// time it arrived.
class StreamClient
{
public:
    struct Frame
    {
        QString text;
        std::int64_t arrivedMs;
    };

    StreamClient(quint16 port, const QString &pathAndQuery)
    {
        m_clock.start();
        m_socket.setProxy(QNetworkProxy::NoProxy);
        QObject::connect(&m_socket, &QWebSocket::textMessageReceived, &m_socket,
            [this](const QString &text) { frames.push_back({text, m_clock.elapsed()}); });
        m_socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1%2").arg(port).arg(pathAndQuery)));
    }

    bool waitConnected()
    {
        QSignalSpy connected(&m_socket, &QWebSocket::connected);
        return m_socket.state() == QAbstractSocket::ConnectedState || connected.wait(kTimeoutMs);
    }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QWebSocketProtocol::CloseCode closeCode() const { return m_socket.closeCode(); }
    void send(const QString &text) { m_socket.sendTextMessage(text); }

    // The events of the frames that are JSON, unwrapped from the combined form.
    QList<QJsonObject> events(const QString &type) const
    {
        QList<QJsonObject> out;
        for (const Frame &frame : frames) {
            QJsonObject object = QJsonDocument::fromJson(frame.text.toUtf8()).object();
            if (object.contains(QStringLiteral("data")))
                object = object.value(QStringLiteral("data")).toObject();
            if (object.value(QStringLiteral("e")).toString() == type)
                out << object;
        }
        return out;
    }

    int malformedFrames() const
    {
        int count = 0;
        for (const Frame &frame : frames)
            count += QJsonDocument::fromJson(frame.text.toUtf8()).isNull() ? 1 : 0;
        return count;
    }

    // The replies to control messages: the frames that are no event.
    QStringList replies() const
    {
        QStringList out;
        for (const Frame &frame : frames)
            if (!frame.text.contains(QStringLiteral("\"e\":")))
                out << frame.text;
        return out;
    }

    std::vector<Frame> frames;

private:
    QElapsedTimer m_clock;
    QWebSocket m_socket;
};

struct HttpReply
{
    int status = 0;
    QJsonDocument body;
    QByteArray retryAfter;
};

HttpReply get(quint16 port, const QString &pathAndQuery)
{
    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    std::unique_ptr<QNetworkReply> reply{manager.get(QNetworkRequest(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(pathAndQuery))))};
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!reply->isFinished() && !finished.wait(kTimeoutMs))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
        QJsonDocument::fromJson(reply->readAll()), reply->rawHeader("Retry-After")};
}

qint64 integer(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toInteger();
}

QString unquoted(std::string text)
{
    return QString::fromStdString(text).remove(u'"');
}

using Side = QMap<QString, QString>; // price text -> quantity text

template<typename Levels> Side sideOf(const Levels &levels)
{
    Side side;
    for (const auto &[price, lots] : levels) {
        std::string priceText;
        std::string quantityText;
        binance_json::appendPrice(priceText, price);
        binance_json::appendQuantity(quantityText, lots);
        side.insert(unquoted(priceText), unquoted(quantityText));
    }
    return side;
}

void applyLevels(Side &side, const QJsonArray &levels)
{
    for (const QJsonValue &level : levels) {
        const QString price = level[0].toString();
        const QString quantity = level[1].toString();
        if (quantity == QLatin1String("0.00000000"))
            side.remove(price);
        else
            side.insert(price, quantity);
    }
}

// Where consecutive ids do not follow each other: [first missing, last missing] for each break.
QList<std::pair<qint64, qint64>> breaks(const QList<std::pair<qint64, qint64>> &ranges)
{
    QList<std::pair<qint64, qint64>> out;
    for (qsizetype i = 1; i < ranges.size(); ++i)
        if (ranges[i].first != ranges[i - 1].second + 1)
            out.emplaceBack(ranges[i - 1].second + 1, ranges[i].first - 1);
    return out;
}

QList<std::pair<qint64, qint64>> tradeIds(const QList<QJsonObject> &trades)
{
    QList<std::pair<qint64, qint64>> out;
    for (const QJsonObject &trade : trades)
        out.emplaceBack(integer(trade, "t"), integer(trade, "t"));
    return out;
}

QList<std::pair<qint64, qint64>> updateIds(const QList<QJsonObject> &updates)
{
    QList<std::pair<qint64, qint64>> out;
    for (const QJsonObject &update : updates)
        out.emplaceBack(integer(update, "U"), integer(update, "u"));
    return out;
}

QJsonObject symbolReport(const BinanceSimulator &simulator, const QString &symbol)
{
    return simulator.report().value(QStringLiteral("symbols")).toObject().value(symbol).toObject();
}

} // namespace

class TestBinanceSimulator : public QObject
{
    Q_OBJECT

private slots:
    void streamsFollowBinanceRules()
    {
        const auto simulator = startSimulator(options({"BTCUSDT", "ETHUSDT"}, 7));
        StreamClient client{
            simulator->port(), QStringLiteral("/stream?streams=btcusdt@trade/btcusdt@depth@100ms")};
        StreamClient slow{simulator->port(), QStringLiteral("/ws/btcusdt@depth")};
        QVERIFY(client.waitConnected());
        QVERIFY(slow.waitConnected());
        QTRY_VERIFY_WITH_TIMEOUT(
            client.events(QStringLiteral("depthUpdate")).size() >= 3, kTimeoutMs);

        // Binance's local-book procedure: buffered diffs, then a snapshot, then the diffs after it.
        const HttpReply snapshot
            = get(simulator->restPort(), QStringLiteral("/api/v3/depth?symbol=BTCUSDT&limit=1000"));
        QCOMPARE(snapshot.status, 200);
        QTest::qWait(500);

        const QList<QJsonObject> trades = client.events(QStringLiteral("trade"));
        QVERIFY(trades.size() > 100);
        QVERIFY(breaks(tradeIds(trades)).isEmpty());
        for (const QJsonObject &trade : trades) {
            QCOMPARE(trade.value(QStringLiteral("s")).toString(), QStringLiteral("BTCUSDT"));
            QVERIFY(trade.value(QStringLiteral("p")).toString().toDouble() > 0);
            QCOMPARE(trade.value(QStringLiteral("p")).toString().section(u'.', 1).size(), 8);
            QVERIFY(integer(trade, "T") < 10'000'000'000'000); // milliseconds
        }
        QVERIFY(breaks(updateIds(client.events(QStringLiteral("depthUpdate")))).isEmpty());
        // The slower stream merges ten intervals into one event whose ids still chain.
        QTRY_VERIFY_WITH_TIMEOUT(
            slow.events(QStringLiteral("depthUpdate")).size() >= 2, kTimeoutMs);
        const QList<QJsonObject> merged = slow.events(QStringLiteral("depthUpdate"));
        QVERIFY(merged.size() * 5 < client.events(QStringLiteral("depthUpdate")).size());
        QVERIFY(breaks(updateIds(merged)).isEmpty());

        const SimulatedMarket *market = simulator->market("BTCUSDT");
        QVERIFY(market);
        auto lastUpdateSeen = [&] {
            const auto updates = client.events(QStringLiteral("depthUpdate"));
            return updates.isEmpty() ? 0 : integer(updates.back(), "u");
        };
        // Nothing runs between the check and the comparison: both see the same book.
        QTRY_COMPARE_WITH_TIMEOUT(lastUpdateSeen(), market->lastUpdateId(), kTimeoutMs);
        const QJsonObject snapshotBody = snapshot.body.object();
        const qint64 snapshotId = integer(snapshotBody, "lastUpdateId");
        Side bids;
        Side asks;
        applyLevels(bids, snapshotBody.value(QStringLiteral("bids")).toArray());
        applyLevels(asks, snapshotBody.value(QStringLiteral("asks")).toArray());
        qint64 localId = snapshotId;
        for (const QJsonObject &update : client.events(QStringLiteral("depthUpdate"))) {
            if (integer(update, "u") <= snapshotId)
                continue;
            QCOMPARE(integer(update, "U"), localId + 1);
            applyLevels(bids, update.value(QStringLiteral("b")).toArray());
            applyLevels(asks, update.value(QStringLiteral("a")).toArray());
            localId = integer(update, "u");
        }
        QVERIFY(localId > snapshotId);
        QCOMPARE(bids, sideOf(market->bids()));
        QCOMPARE(asks, sideOf(market->asks()));

        // REST back-fill returns exactly what was streamed.
        const auto streamed = trades.mid(0, 1000);
        const HttpReply history = get(simulator->restPort(),
            QStringLiteral("/api/v3/historicalTrades?symbol=BTCUSDT&fromId=%1&limit=%2")
                .arg(integer(streamed.front(), "t"))
                .arg(streamed.size()));
        QCOMPARE(history.status, 200);
        const QJsonArray kept = history.body.array();
        QCOMPARE(kept.size(), streamed.size());
        for (qsizetype i = 0; i < streamed.size(); ++i) {
            const QJsonObject trade = streamed[i];
            const QJsonObject back = kept[i].toObject();
            QCOMPARE(integer(back, "id"), integer(trade, "t"));
            QCOMPARE(back.value(QStringLiteral("price")), trade.value(QStringLiteral("p")));
            QCOMPARE(back.value(QStringLiteral("qty")), trade.value(QStringLiteral("q")));
            QCOMPARE(integer(back, "time"), integer(trade, "T"));
            QCOMPARE(back.value(QStringLiteral("isBuyerMaker")), trade.value(QStringLiteral("m")));
            QCOMPARE(back.value(QStringLiteral("isBestMatch")), QJsonValue(true));
        }
    }

    void tradesAreKeptWithoutListeners()
    {
        const auto simulator = startSimulator(options({"BTCUSDT"}, 3));
        QTRY_VERIFY_WITH_TIMEOUT(
            integer(symbolReport(*simulator, QStringLiteral("BTCUSDT")), "trades_sent") >= 200,
            kTimeoutMs);
        const QJsonObject report = symbolReport(*simulator, QStringLiteral("BTCUSDT"));
        const qint64 first = integer(report, "first_trade_id");
        const HttpReply history = get(simulator->restPort(),
            QStringLiteral("/api/v3/historicalTrades?symbol=BTCUSDT&fromId=%1&limit=200")
                .arg(first));
        QCOMPARE(history.status, 200);
        const QJsonArray trades = history.body.array();
        QCOMPARE(trades.size(), 200);
        for (qsizetype i = 0; i < trades.size(); ++i)
            QCOMPARE(integer(trades[i].toObject(), "id"), first + i);
        QCOMPARE(simulator->report().value(QStringLiteral("connections")).toInteger(), 0);
    }

    void faultsShowAsReported()
    {
        const auto simulator = startSimulator(options(
            {"BTCUSDT"}, 11, QStringLiteral("skip-trades@0.3:7,skip-depth@0.3:3,malformed@0.5")));
        StreamClient client{
            simulator->port(), QStringLiteral("/stream?streams=btcusdt@trade/btcusdt@depth@100ms")};
        QVERIFY(client.waitConnected());
        QTest::qWait(800);

        const QJsonObject report = symbolReport(*simulator, QStringLiteral("BTCUSDT"));
        const QJsonArray tradeGaps = report.value(QStringLiteral("trade_gaps")).toArray();
        QCOMPARE(tradeGaps.size(), 1);
        const qint64 gapFirst = tradeGaps[0][0].toInteger();
        const qint64 gapLast = tradeGaps[0][1].toInteger();
        QCOMPARE(gapLast - gapFirst + 1, 7);
        // The skipped ids are not kept either: a real, unrecoverable gap.
        const HttpReply history = get(simulator->restPort(),
            QStringLiteral("/api/v3/historicalTrades?symbol=BTCUSDT&fromId=%1&limit=3")
                .arg(gapFirst - 1));
        QCOMPARE(history.status, 200);
        QCOMPARE(integer(history.body[0].toObject(), "id"), gapFirst - 1);
        QCOMPARE(integer(history.body[1].toObject(), "id"), gapLast + 1);
        QCOMPARE(integer(history.body[2].toObject(), "id"), gapLast + 2);

        simulator->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!client.isConnected(), kTimeoutMs);
        const QJsonObject finalReport = simulator->report();
        const QJsonObject symbol = finalReport.value(QStringLiteral("symbols"))
                                       .toObject()
                                       .value(QStringLiteral("BTCUSDT"))
                                       .toObject();

        const QList<QJsonObject> trades = client.events(QStringLiteral("trade"));
        const auto tradeBreaks = breaks(tradeIds(trades));
        QCOMPARE(tradeBreaks.size(), 1);
        QCOMPARE(tradeBreaks[0], std::pair(gapFirst, gapLast));
        QCOMPARE(integer(trades.back(), "t"), integer(symbol, "last_trade_id"));
        // Every trade generated was streamed, but for those before the client connected.
        const qint64 beforeConnecting
            = integer(trades.front(), "t") - integer(symbol, "first_trade_id");
        QCOMPARE(trades.size() + beforeConnecting, integer(symbol, "trades_sent"));

        const QList<QJsonObject> updates = client.events(QStringLiteral("depthUpdate"));
        const auto depthBreaks = breaks(updateIds(updates));
        const QJsonArray depthGaps = symbol.value(QStringLiteral("depth_gaps")).toArray();
        QCOMPARE(depthGaps.size(), 1);
        QCOMPARE(depthBreaks.size(), 1);
        QCOMPARE(
            depthBreaks[0], std::pair(depthGaps[0][0].toInteger(), depthGaps[0][1].toInteger()));
        QCOMPARE(depthBreaks[0].second - depthBreaks[0].first + 1, 3);
        QCOMPARE(integer(updates.back(), "u"), integer(symbol, "last_update_id"));
        QVERIFY(updates.size() <= integer(symbol, "depth_updates_sent"));

        QCOMPARE(client.malformedFrames(), 1);
        QCOMPARE(integer(finalReport, "malformed_frames_sent"), 1);
        QCOMPARE(integer(finalReport, "connections"), 1);
        QCOMPARE(integer(finalReport, "drops"), 0);
    }

    void stallHoldsFramesBack()
    {
        const auto simulator
            = startSimulator(options({"BTCUSDT"}, 5, QStringLiteral("stall@0.2:0.5")));
        StreamClient client{simulator->port(), QStringLiteral("/ws/btcusdt@trade")};
        QVERIFY(client.waitConnected());
        QTest::qWait(1000);
        std::int64_t longestSilenceMs = 0;
        for (std::size_t i = 1; i < client.frames.size(); ++i)
            longestSilenceMs = std::max(
                longestSilenceMs, client.frames[i].arrivedMs - client.frames[i - 1].arrivedMs);
        QVERIFY2(longestSilenceMs >= 400, qPrintable(QString::number(longestSilenceMs)));
        // What was generated meanwhile came afterwards: nothing is missing.
        const QList<QJsonObject> trades = client.events(QStringLiteral("trade"));
        QVERIFY(breaks(tradeIds(trades)).isEmpty());
        QVERIFY(trades.size() > 1000);
    }

    void dropAndShutdown()
    {
        const auto simulator
            = startSimulator(options({"BTCUSDT"}, 5, QStringLiteral("drop@0.2,shutdown@0.5")));
        StreamClient dropped{simulator->port(), QStringLiteral("/ws/btcusdt@trade")};
        QVERIFY(dropped.waitConnected());
        QTRY_VERIFY_WITH_TIMEOUT(!dropped.isConnected(), kTimeoutMs);
        QVERIFY(dropped.events(QStringLiteral("serverShutdown")).isEmpty());

        StreamClient warned{simulator->port(), QStringLiteral("/stream?streams=btcusdt@trade")};
        QVERIFY(warned.waitConnected());
        QTRY_COMPARE_WITH_TIMEOUT(
            warned.events(QStringLiteral("serverShutdown")).size(), 1, kTimeoutMs);
        QVERIFY(warned.isConnected()); // for a second still
        QVERIFY(std::ranges::any_of(warned.frames, [](const StreamClient::Frame &frame) {
            return frame.text.startsWith(
                QStringLiteral("{\"stream\":\"!serverShutdown\",\"data\":"));
        }));
        QTRY_VERIFY_WITH_TIMEOUT(!warned.isConnected(), kTimeoutMs);

        const QJsonObject report = simulator->report();
        QCOMPARE(integer(report, "drops"), 1);
        QCOMPARE(integer(report, "connections"), 2);
    }

    // cut-frame: half a frame, then a reset; the client never sees a frame that is not whole.
    // throttle and ban: REST answers 429, then 418, with Retry-After, then answers again.
    void cutFrameThrottleAndBan()
    {
        const auto simulator = startSimulator(
            options({"BTCUSDT"}, 5, QStringLiteral("cut-frame@0.5,throttle@0.5:1.5,ban@2:1.5")));
        StreamClient cut{simulator->port(), QStringLiteral("/ws/btcusdt@trade")};
        QVERIFY(cut.waitConnected());
        QTRY_VERIFY_WITH_TIMEOUT(!cut.isConnected(), kTimeoutMs);
        QVERIFY(!cut.frames.empty());
        QCOMPARE(cut.malformedFrames(), 0);
        QCOMPARE(integer(simulator->report(), "frames_cut"), 1);

        const QString ping = QStringLiteral("/api/v3/ping");
        HttpReply throttled;
        QTRY_VERIFY_WITH_TIMEOUT(
            (throttled = get(simulator->restPort(), ping)).status == 429, kTimeoutMs);
        QVERIFY(throttled.retryAfter.toInt() >= 1 && throttled.retryAfter.toInt() <= 2);
        HttpReply banned;
        QTRY_VERIFY_WITH_TIMEOUT(
            (banned = get(simulator->restPort(), ping)).status == 418, kTimeoutMs);
        QVERIFY(banned.retryAfter.toInt() >= 1 && banned.retryAfter.toInt() <= 2);
        QTRY_COMPARE_WITH_TIMEOUT(get(simulator->restPort(), ping).status, 200, kTimeoutMs);
        QVERIFY(integer(simulator->report(), "rest_refusals") >= 2);
    }

    void controlMessages()
    {
        const auto simulator = startSimulator(options({"BTCUSDT"}, 5));
        StreamClient client{simulator->port(), QStringLiteral("/ws")};
        QVERIFY(client.waitConnected());
        client.send(
            QStringLiteral("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":1}"));
        QTRY_COMPARE_WITH_TIMEOUT(client.replies().size(), 1, kTimeoutMs);
        QCOMPARE(client.replies().front(), QStringLiteral("{\"result\":null,\"id\":1}"));
        QTRY_VERIFY_WITH_TIMEOUT(client.events(QStringLiteral("trade")).size() >= 5, kTimeoutMs);
        // A raw connection: events without the combined wrapper.
        QVERIFY(client.frames.back().text.startsWith(QStringLiteral("{\"e\":\"trade\",")));

        client.send(QStringLiteral("{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":\"abc\"}"));
        client.send(QStringLiteral("{\"method\":\"FLY\",\"id\":3}"));
        client.send(
            QStringLiteral("{\"method\":\"SUBSCRIBE\",\"params\":\"btcusdt@trade\",\"id\":4}"));
        client.send(QStringLiteral("{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":[1]}"));
        client.send(QStringLiteral("not json"));
        QTRY_COMPARE_WITH_TIMEOUT(client.replies().size(), 6, kTimeoutMs);
        const QStringList replies = client.replies();
        const QString listed = QStringLiteral("{\"result\":[\"btcusdt@trade\"],\"id\":\"abc\"}");
        const QString unknownMethod
            = QStringLiteral("{\"code\":2,\"msg\":\"Invalid request: unknown method\",\"id\":3}");
        const QString badParams = QStringLiteral("{\"code\":2,\"msg\":\"Invalid request: params");
        const QString badId = QStringLiteral("{\"code\":2,\"msg\":\"Invalid request: 'id' must");
        const QString badJson = QStringLiteral("{\"code\":3,\"msg\":\"Invalid JSON");
        QCOMPARE(replies[1], listed);
        QCOMPARE(replies[2], unknownMethod);
        QVERIFY(replies[3].startsWith(badParams));
        QVERIFY(replies[4].startsWith(badId));
        QVERIFY(replies[5].startsWith(badJson));

        StreamClient lost{simulator->port(), QStringLiteral("/nothing")};
        QTRY_COMPARE_WITH_TIMEOUT(
            lost.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated, kTimeoutMs);

        StreamClient micro{
            simulator->port(), QStringLiteral("/ws/btcusdt@trade?timeUnit=MICROSECOND")};
        QVERIFY(micro.waitConnected());
        QTRY_VERIFY_WITH_TIMEOUT(!micro.events(QStringLiteral("trade")).isEmpty(), kTimeoutMs);
        QVERIFY(
            integer(micro.events(QStringLiteral("trade")).front(), "T") > 1'000'000'000'000'000);
    }

    void sameSeedSameTrades()
    {
        const auto first = startSimulator(options({"BTCUSDT", "ETHUSDT"}, 42));
        const auto second = startSimulator(options({"BTCUSDT", "ETHUSDT"}, 42));
        const auto other = startSimulator(options({"BTCUSDT", "ETHUSDT"}, 43));
        auto firstHundred = [](const BinanceSimulator &simulator) {
            QJsonArray trades = get(simulator.restPort(),
                QStringLiteral("/api/v3/historicalTrades?symbol=ETHUSDT&fromId=0&limit=100"))
                                    .body.array();
            for (QJsonValueRef trade : trades) {
                QJsonObject object = trade.toObject();
                object.remove(QStringLiteral("time"));
                trade = object;
            }
            return trades;
        };
        for (const auto *simulator : {first.get(), second.get(), other.get()})
            QTRY_VERIFY_WITH_TIMEOUT(
                integer(symbolReport(*simulator, QStringLiteral("ETHUSDT")), "trades_sent") >= 100,
                kTimeoutMs);
        const QJsonArray trades = firstHundred(*first);
        QCOMPARE(trades.size(), 100);
        QCOMPARE(firstHundred(*second), trades);
        QVERIFY(firstHundred(*other) != trades);
    }

    void continuesAnEarlierRun()
    {
        SimulatedMarket market("BTCUSDT", 0, 42);
        market.continueAfter(5'000, 1'234'567);
        const auto first = market.nextTrade(1'000);
        QCOMPARE(first.id, 5'001);
        QVERIFY2(std::abs(first.priceTicks - 1'234'567) <= 2,
            qPrintable(QString::number(first.priceTicks)));
        QCOMPARE(market.bids().begin()->first, 1'234'566);
        QCOMPARE(market.asks().begin()->first, 1'234'568);
        QCOMPARE(market.bids().size(), std::size_t(SimulatedMarket::kLevels));
        // A price the walk never reaches is not taken: the book would reach zero.
        market.continueAfter(6'000, 5);
        QCOMPARE(market.nextTrade(2'000).id, 6'001);
        QVERIFY(market.bids().rbegin()->first > 0);
    }

    void restErrors_data()
    {
        QTest::addColumn<QString>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("code");
        QTest::newRow("depth") << "/api/v3/depth?symbol=BTCUSDT&limit=5" << 200 << 0;
        QTest::newRow("exchange info") << "/api/v3/exchangeInfo?symbol=BTCUSDT" << 200 << 0;
        QTest::newRow("unknown symbol") << "/api/v3/depth?symbol=DOGEUSDT" << 400 << -1121;
        QTest::newRow("lower-case symbol") << "/api/v3/depth?symbol=btcusdt" << 400 << -1121;
        QTest::newRow("no symbol") << "/api/v3/historicalTrades" << 400 << -1102;
        QTest::newRow("empty symbol") << "/api/v3/depth?symbol=" << 400 << -1102;
        QTest::newRow("unknown path") << "/api/v3/nothing" << 404 << -1000;
        QTest::newRow("limit not a number")
            << "/api/v3/depth?symbol=BTCUSDT&limit=ten" << 400 << -1100;
        QTest::newRow("limit zero") << "/api/v3/depth?symbol=BTCUSDT&limit=0" << 400 << -1130;
        QTest::newRow("limit above the maximum")
            << "/api/v3/historicalTrades?symbol=BTCUSDT&limit=1001" << 400 << -1130;
        QTest::newRow("negative fromId")
            << "/api/v3/historicalTrades?symbol=BTCUSDT&fromId=-1" << 400 << -1100;
        QTest::newRow("fromId beyond int64")
            << "/api/v3/historicalTrades?symbol=BTCUSDT&fromId=99999999999999999999" << 400
            << -1100;
        QTest::newRow("unknown parameter") << "/api/v3/depth?symbol=BTCUSDT&x=1" << 400 << -1104;
        QTest::newRow("parameter twice")
            << "/api/v3/depth?symbol=BTCUSDT&symbol=BTCUSDT" << 400 << -1101;
    }

    void restErrors()
    {
        QFETCH(QString, request);
        QFETCH(int, status);
        QFETCH(int, code);
        if (!m_shared)
            m_shared = startSimulator(options({"BTCUSDT"}, 1));
        const HttpReply reply = get(m_shared->restPort(), request);
        QCOMPARE(reply.status, status);
        QVERIFY(!reply.body.isNull());
        if (code != 0) {
            QCOMPARE(integer(reply.body.object(), "code"), code);
            QVERIFY(!reply.body.object().value(QStringLiteral("msg")).toString().isEmpty());
        }
    }

    void cleanupTestCase() { m_shared.reset(); }

private:
    std::unique_ptr<BinanceSimulator> m_shared; // for requests that need no fresh simulator
};

QTEST_GUILESS_MAIN(TestBinanceSimulator)
#include "test_binance_simulator.moc"
