// Trade-id continuity per instrument: holes become gaps, repeats are duplicates.
#include "app/ingest/trade_sequencer.h"

#include <QTest>

using namespace tickscope;

class TestTradeSequencer : public QObject
{
    Q_OBJECT

private slots:
    void sequences_data()
    {
        QTest::addColumn<QList<qint64>>("ids");
        QTest::addColumn<QString>("expected"); // per trade: '.' in order, 'D' duplicate, 'G' gap
        QTest::addColumn<QList<qint64>>("gaps"); // first,last pairs
        QTest::newRow("contiguous") << QList<qint64>{5, 6, 7, 8} << "...." << QList<qint64>{};
        QTest::newRow("one hole") << QList<qint64>{5, 6, 9, 10} << "..G." << QList<qint64>{7, 8};
        QTest::newRow("single missing") << QList<qint64>{1, 3} << ".G" << QList<qint64>{2, 2};
        QTest::newRow("repeat") << QList<qint64>{5, 6, 6, 7} << "..D." << QList<qint64>{};
        QTest::newRow("older id after newer")
            << QList<qint64>{5, 9, 7, 10} << ".GD." << QList<qint64>{6, 8};
        QTest::newRow("first trade starts anywhere")
            << QList<qint64>{1000000} << "." << QList<qint64>{};
    }

    void sequences()
    {
        QFETCH(QList<qint64>, ids);
        QFETCH(QString, expected);
        QFETCH(QList<qint64>, gaps);
        ingest::TradeSequencer sequencer{2};
        QString seen;
        QList<qint64> gapRanges;
        for (const qint64 id : ids) {
            const auto outcome
                = sequencer.accept({.exchangeTimeNs = id * 10, .instrument = 1, .tradeId = id});
            seen += outcome.duplicate ? u'D' : outcome.gap ? u'G' : u'.';
            if (outcome.gap) {
                QCOMPARE(outcome.gap->kind, model::Gap::Kind::TradeId);
                gapRanges << outcome.gap->firstMissing << outcome.gap->lastMissing;
            }
        }
        QCOMPARE(seen, expected);
        QCOMPARE(gapRanges, gaps);
    }

    void instrumentsAreIndependentAndSeedable()
    {
        ingest::TradeSequencer sequencer{2};
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
