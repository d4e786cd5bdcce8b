// Trade ids per instrument as each adapter declares them: contiguous ids turn holes into gaps,
// contiguous and increasing ids drop repeats, opaque ids and ids kept as text pass untouched.
#include "app/ingest/trade_sequencer.h"

#include <QTest>

using namespace tickscope;
using TradeIds = feeds::ExchangeTraits::TradeIds;

Q_DECLARE_METATYPE(TradeIds)

class TestTradeSequencer : public QObject
{
    Q_OBJECT

private slots:
    void sequences_data()
    {
        QTest::addColumn<TradeIds>("semantics");
        // As the exchange sent them; "9x3": an aggregated trade, ids 7..9 (OKX's count).
        QTest::addColumn<QStringList>("ids");
        QTest::addColumn<QString>("expected"); // per trade: '.' kept, 'D' duplicate, 'G' gap
        QTest::addColumn<QList<qint64>>("gaps"); // first,last pairs
        const auto contiguous = TradeIds::Contiguous;
        QTest::newRow("contiguous")
            << contiguous << QStringList{"5", "6", "7", "8"} << "...." << QList<qint64>{};
        QTest::newRow("one hole") << contiguous << QStringList{"5", "6", "9", "10"} << "..G."
                                  << QList<qint64>{7, 8};
        QTest::newRow("single missing")
            << contiguous << QStringList{"1", "3"} << ".G" << QList<qint64>{2, 2};
        QTest::newRow("repeat") << contiguous << QStringList{"5", "6", "6", "7"} << "..D."
                                << QList<qint64>{};
        QTest::newRow("older id after newer")
            << contiguous << QStringList{"5", "9", "7", "10"} << ".GD." << QList<qint64>{6, 8};
        QTest::newRow("aggregated trades cover their ids")
            << contiguous << QStringList{"5", "8x3", "9", "11x2"} << "...." << QList<qint64>{};
        QTest::newRow("hole before an aggregated trade")
            << contiguous << QStringList{"5", "10x3", "11"} << ".G." << QList<qint64>{6, 7};
        QTest::newRow("aggregated repeat")
            << contiguous << QStringList{"5", "8x3", "8x3"} << "..D" << QList<qint64>{};
        QTest::newRow("first trade starts anywhere")
            << contiguous << QStringList{"1000000"} << "." << QList<qint64>{};
        QTest::newRow("increasing: jumps are no gaps")
            << TradeIds::Increasing << QStringList{"5", "90", "90", "7", "1000"} << "..DD."
            << QList<qint64>{};
        QTest::newRow("opaque: strings, repeats and order pass")
            << TradeIds::Opaque << QStringList{"b1f2", "9", "9", "1", "b1f2"} << "....."
            << QList<qint64>{};
        QTest::newRow("contiguous ids above 2^63 - 1 are not compared")
            << contiguous
            << QStringList{"9223372036854775806", "9223372036854775807", "9223372036854775808",
                   "18446744073709551615", "9223372036854775808"}
            << "....." << QList<qint64>{};
    }

    void sequences()
    {
        QFETCH(TradeIds, semantics);
        QFETCH(QStringList, ids);
        QFETCH(QString, expected);
        QFETCH(QList<qint64>, gaps);
        ingest::TradeSequencer sequencer{semantics, 2};
        QString seen;
        QList<qint64> gapRanges;
        std::int64_t time = 0;
        for (const QString &id : ids) {
            model::Trade trade{.exchangeTimeNs = ++time, .instrument = 1};
            const QStringList parts = id.split(u'x');
            trade.setTradeId(parts[0].toStdString());
            if (parts.size() == 2)
                trade.idsCovered = parts[1].toLongLong();
            const auto outcome = sequencer.accept(trade);
            seen += outcome.duplicate ? u'D' : outcome.gap ? u'G' : u'.';
            if (outcome.gap) {
                QCOMPARE(outcome.gap->kind, model::Gap::Kind::TradeId);
                gapRanges << outcome.gap->firstMissing << outcome.gap->lastMissing;
            }
        }
        QCOMPARE(seen, expected);
        QCOMPARE(gapRanges, gaps);
    }

    void idsAreKeptExactly_data()
    {
        QTest::addColumn<QString>("sent");
        QTest::addColumn<bool>("numeric");
        QTest::addColumn<qint64>("number");
        QTest::newRow("zero") << "0" << true << qint64(0);
        QTest::newRow("largest int64")
            << "9223372036854775807" << true << std::numeric_limits<qint64>::max();
        QTest::newRow("2^63") << "9223372036854775808" << false << qint64(0);
        QTest::newRow("leading zero stays text") << "007" << false << qint64(0);
        QTest::newRow("sign stays text") << "-5" << false << qint64(0);
        QTest::newRow("uuid") << "1f0e3dad-9f4e-4b1a-8c6d-5e2f1a7b9c3d" << false << qint64(0);
    }

    void idsAreKeptExactly()
    {
        QFETCH(QString, sent);
        QFETCH(bool, numeric);
        QFETCH(qint64, number);
        model::Trade trade;
        trade.setTradeId(sent.toStdString());
        QCOMPARE(trade.hasNumericId(), numeric);
        QCOMPARE(trade.tradeId, number);
        QCOMPARE(QString::fromStdString(trade.tradeRef), numeric ? QString() : sent);
    }

    void instrumentsAreIndependentAndSeedable()
    {
        ingest::TradeSequencer sequencer{TradeIds::Contiguous, 2};
        sequencer.seed(0, 100, 5);
        QVERIFY(!sequencer.lastTradeId(1));
        QVERIFY(sequencer.accept({.instrument = 1, .tradeId = 7}).gap == std::nullopt);
        const auto outcome
            = sequencer.accept({.exchangeTimeNs = 9, .instrument = 0, .tradeId = 103});
        QVERIFY(outcome.gap);
        QCOMPARE(outcome.gap->firstMissing, 101);
        QCOMPARE(outcome.gap->beforeTimeNs, 5);
        QCOMPARE(*sequencer.lastTradeId(0), 103);
    }
};

QTEST_GUILESS_MAIN(TestTradeSequencer)
#include "test_trade_sequencer.moc"
