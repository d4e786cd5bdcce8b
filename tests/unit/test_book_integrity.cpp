// The order-book integrity checks of Kraken v2 and OKX v5: the checksums reproduce the values
// their documentation gives (../shared/feeds/PROTOCOLS.md 3.5 and 4.5), CRC-32 the standard check
// value, and OKX's sequence rule passes the documented non-gap cases and catches a break.
#include "app/feeds/crc32.h"
#include "app/feeds/kraken/book_checksum.h"
#include "app/feeds/okx/book_checksum.h"
#include "app/feeds/okx/book_sequence.h"

#include <QTest>

using namespace tickscope;

namespace {

std::vector<model::PriceLevel> levels(
    std::initializer_list<std::pair<const char *, const char *>> list)
{
    std::vector<model::PriceLevel> out;
    for (const auto &[price, size] : list)
        out.push_back({*model::Decimal::parse(price), *model::Decimal::parse(size)});
    return out;
}

// Kraken's checksum guide: BTC/USD, price precision 1, quantity precision 8.
const auto kGuideAsks = levels({{"45285.2", "0.00100000"}, {"45286.4", "1.54571953"},
    {"45286.6", "1.54571109"}, {"45289.6", "1.54560911"}, {"45290.2", "0.15890660"},
    {"45291.8", "1.54553491"}, {"45294.7", "0.04454749"}, {"45296.1", "0.35380000"},
    {"45297.5", "0.09945542"}, {"45299.5", "0.18772827"}});
const auto kGuideBids = levels({{"45283.5", "0.10000000"}, {"45283.4", "1.54582015"},
    {"45282.1", "0.10000000"}, {"45281.0", "0.10000000"}, {"45280.3", "1.54592586"},
    {"45279.0", "0.07990000"}, {"45277.6", "0.03310103"}, {"45277.5", "0.30000000"},
    {"45277.3", "1.54602737"}, {"45276.6", "0.15445238"}});

} // namespace

class TestBookIntegrity : public QObject
{
    Q_OBJECT

private slots:
    void crc32IsZlibs()
    {
        static_assert(feeds::crc32("123456789") == 0xCBF43926u); // the standard check value
        QCOMPARE(feeds::crc32(""), 0u);
    }

    void krakenTokens_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<int>("precision");
        QTest::addColumn<QString>("token");
        QTest::newRow("price") << "45285.2" << 1 << "452852";
        QTest::newRow("quantity below one") << "0.001" << 8 << "100000";
        QTest::newRow("trailing zeros restored") << "0.1" << 8 << "10000000";
        QTest::newRow("wire number without its zeros") << "0.567" << 4 << "5670";
        QTest::newRow("large quantity") << "18097.1547" << 8 << "1809715470000";
        QTest::newRow("whole number") << "45281" << 1 << "452810";
        QTest::newRow("more decimals than the instrument has") << "0.12345" << 4 << "";
    }

    void krakenTokens()
    {
        QFETCH(QString, value);
        QFETCH(int, precision);
        QFETCH(QString, token);
        const auto made
            = feeds::kraken::checksumToken(*model::Decimal::parse(value.toStdString()), precision);
        QCOMPARE(QString::fromStdString(made.value_or("")), token);
        QCOMPARE(made.has_value(), !token.isEmpty());
    }

    void krakenGuideBook()
    {
        // The guide's strings, side by side: asks then bids.
        std::string asks;
        for (const auto &level : kGuideAsks)
            asks += *feeds::kraken::checksumToken(level.price, 1)
                + *feeds::kraken::checksumToken(level.size, 8);
        QCOMPARE(asks,
            std::string(
                "452852100000452864154571953452866154571109452896154560911452902158906604529"
                "18154553491452947445474945296135380000452975994554245299518772827"));
        QCOMPARE(feeds::kraken::bookChecksum(kGuideAsks, kGuideBids, 1, 8), 3310070434u);
        // Levels past the tenth are not part of it.
        auto deeper = kGuideAsks;
        deeper.push_back({*model::Decimal::parse("45300"), *model::Decimal::parse("5")});
        QCOMPARE(feeds::kraken::bookChecksum(deeper, kGuideBids, 1, 8), 3310070434u);
        // A changed quantity changes it; a level that does not fit the precision has none.
        auto changed = kGuideBids;
        changed[0].size = *model::Decimal::parse("0.2");
        QVERIFY(feeds::kraken::bookChecksum(kGuideAsks, changed, 1, 8) != 3310070434u);
        QVERIFY(!feeds::kraken::bookChecksum(kGuideAsks, kGuideBids, 0, 8));
    }

    void okxDocumentedBooks()
    {
        using feeds::okx::TextLevel;
        const std::vector<TextLevel> bids{{"3366.1", "7"}, {"3366", "6"}};
        const std::vector<TextLevel> asks{{"3366.8", "9"}, {"3368", "8"}};
        QCOMPARE(feeds::okx::bookChecksum(bids, asks), -1881014294);
        // A shorter side's missing entries are skipped.
        const std::vector<TextLevel> oneBid{{"3366.1", "7"}};
        const std::vector<TextLevel> threeAsks{{"3366.8", "9"}, {"3368", "8"}, {"3372", "8"}};
        QCOMPARE(feeds::okx::bookChecksum(oneBid, threeAsks), 831078360);
        // The exact text counts: "3366.0" is not "3366".
        const std::vector<TextLevel> reformatted{{"3366.1", "7"}, {"3366.0", "6"}};
        QVERIFY(feeds::okx::bookChecksum(reformatted, asks) != -1881014294);
    }

    void okxSequenceDocumentedCases()
    {
        using Verdict = feeds::okx::BookSequence::Verdict;
        feeds::okx::BookSequence sequence;
        QCOMPARE(sequence.onMessage(8, 9), Verdict::NoSnapshot);
        // The documentation's run: snapshot (-1 -> 10), update (10 -> 15), keep-alive (15 -> 15),
        // reset (15 -> 3), normal (3 -> 5). No gap anywhere.
        QCOMPARE(sequence.onMessage(-1, 10), Verdict::Continues);
        QCOMPARE(sequence.onMessage(10, 15), Verdict::Continues);
        QCOMPARE(sequence.onMessage(15, 15), Verdict::Continues);
        QCOMPARE(sequence.onMessage(15, 3), Verdict::Reset);
        QCOMPARE(sequence.onMessage(3, 5), Verdict::Continues);
        // A message lost: its successor's prevSeqId is not the last seqId.
        QCOMPARE(sequence.onMessage(7, 9), Verdict::Break);
        QVERIFY(!sequence.last());
        QCOMPARE(sequence.onMessage(9, 11), Verdict::NoSnapshot);
        QCOMPARE(sequence.onMessage(-1, 20), Verdict::Continues);
        QCOMPARE(sequence.last(), std::optional<std::int64_t>(20));
    }
};

QTEST_GUILESS_MAIN(TestBookIntegrity)
#include "test_book_integrity.moc"
