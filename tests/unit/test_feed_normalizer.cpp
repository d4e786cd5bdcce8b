// What every exchange's normalizer shares: audit text that PostgreSQL accepts whatever bytes came
// in, data for symbols the feed does not ingest counted without flooding the audit trail, and
// REST records read by the symbol they name.
#include "app/feeds/binance/binance_normalizer.h"

#include <QTest>

using namespace tickscope;

namespace {

const feeds::InstrumentList kInstruments{{{"binance", "BTCUSDT", "BTC", "USDT"}}};

bool validUtf8WithoutNul(const std::string &text)
{
    return !text.contains('\0')
        && QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())).toUtf8()
        == QByteArray::fromStdString(text);
}

} // namespace

class TestFeedNormalizer : public QObject
{
    Q_OBJECT

private slots:
    void quoteForAudit_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("maxBytes");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("short ascii") << QByteArray("abc") << 512 << QByteArray("abc");
        QTest::newRow("cut in ascii") << QByteArray("abcdef") << 4 << QByteArray("abcd...");
        // "é" is two bytes: a cut after its first byte would leave half a character.
        QTest::newRow("cut inside a two-byte character")
            << QByteArray("abc\xc3\xa9z") << 4 << QByteArray("abc...");
        QTest::newRow("cut inside a four-byte character")
            << QByteArray("ab\xf0\x9f\x98\x80") << 5 << QByteArray("ab...");
        QTest::newRow("whole four-byte character")
            << QByteArray("ab\xf0\x9f\x98\x80") << 6 << QByteArray("ab\xf0\x9f\x98\x80");
        QTest::newRow("invalid byte") << QByteArray("a\xff"
                                                    "b")
                                      << 512 << QByteArray("a?b");
        QTest::newRow("nul byte") << QByteArray("a\0b", 3) << 512 << QByteArray("a?b");
        QTest::newRow("overlong encoding") << QByteArray("\xc0\xaf") << 512 << QByteArray("??");
        QTest::newRow("surrogate") << QByteArray("\xed\xa0\x80") << 512 << QByteArray("???");
        QTest::newRow("truncated sequence at the end")
            << QByteArray("ab\xe2\x82") << 512 << QByteArray("ab??");
    }

    void quoteForAudit()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, maxBytes);
        const std::string quoted = feeds::quoteForAudit(input.toStdString(), maxBytes);
        QTEST(QByteArray::fromStdString(quoted), "expected");
        QVERIFY(validUtf8WithoutNul(quoted));
    }

    // A 600-byte frame of multi-byte characters is malformed: its audit text is cut on a
    // character boundary (PostgreSQL rejected the old cut at byte 512).
    void malformedFrameQuotesValidText()
    {
        feeds::binance::BinanceNormalizer normalizer{
            kInstruments, feeds::binance::TimeUnit::Milliseconds};
        std::string frame = "{\"e\":\"trade\",\"x\":\"";
        for (int i = 0; i < 300; ++i)
            frame += "\xc3\xa9";
        feeds::NormalizedOutput out;
        normalizer.normalize({feeds::RawKind::WebSocketText, 0, 1, frame}, out);
        QCOMPARE(out.malformed, 1);
        QCOMPARE(out.events.size(), 1u);
        QVERIFY(validUtf8WithoutNul(out.events.front().detail));
    }

    // A stream of another symbol is counted, and recorded once, not once a frame.
    void unknownSymbolsAreCountedNotFlooded()
    {
        feeds::binance::BinanceNormalizer normalizer{
            kInstruments, feeds::binance::TimeUnit::Milliseconds};
        feeds::NormalizedOutput out;
        for (int i = 1; i <= 1000; ++i)
            normalizer.normalize({feeds::RawKind::WebSocketText, 0, i,
                                     std::format(R"({{"e":"trade","s":"DOGEUSDT","t":{},"p":"1",)"
                                                 R"("q":"1","T":1700000000000,"m":true}})",
                                         i)},
                out);
        QCOMPARE(out.unknownSymbol, 1000);
        QCOMPARE(out.malformed, 0);
        QCOMPARE(out.trades.size(), 0u);
        QCOMPARE(out.events.size(), 1u);
        QVERIFY(out.events.front().detail.contains("DOGEUSDT"));
        // So are many different unknown symbols: a bounded number of events.
        out.clear();
        for (int i = 0; i < 500; ++i)
            normalizer.normalize({feeds::RawKind::WebSocketText, 0, i,
                                     std::format(R"({{"e":"trade","s":"X{}USDT","t":1,"p":"1",)"
                                                 R"("q":"1","T":1700000000000,"m":true}})",
                                         i)},
                out);
        QCOMPARE(out.unknownSymbol, 500);
        QVERIFY(out.events.size() <= 32u);
    }

    void restRecordsNameTheirSymbol_data()
    {
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<std::int64_t>("snapshots");
        QTest::addColumn<std::int64_t>("unknownSymbol");
        QTest::addColumn<std::int64_t>("malformed");
        const QByteArray body = R"({"lastUpdateId":5,"bids":[["1","1"]],"asks":[["2","1"]]})";
        QTest::newRow("configured symbol")
            << "BTCUSDT\n" + body << std::int64_t(1) << std::int64_t(0) << std::int64_t(0);
        QTest::newRow("symbol no longer configured")
            << "ETHUSDT\n" + body << std::int64_t(0) << std::int64_t(1) << std::int64_t(0);
        QTest::newRow("no symbol") << body << std::int64_t(0) << std::int64_t(0) << std::int64_t(1);
    }

    void restRecordsNameTheirSymbol()
    {
        QFETCH(QByteArray, payload);
        feeds::binance::BinanceNormalizer normalizer{
            kInstruments, feeds::binance::TimeUnit::Milliseconds};
        feeds::NormalizedOutput out;
        normalizer.normalize({feeds::RawKind::RestResponse,
                                 static_cast<std::uint32_t>(feeds::RestTopic::BookSnapshot), 1,
                                 payload.toStdString()},
            out);
        QTEST(static_cast<std::int64_t>(out.snapshots.size()), "snapshots");
        QTEST(out.unknownSymbol, "unknownSymbol");
        QTEST(out.malformed, "malformed");
    }
};

QTEST_GUILESS_MAIN(TestFeedNormalizer)
#include "test_feed_normalizer.moc"
