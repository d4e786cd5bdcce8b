// The --faults spec of `tickscope sim`: what each entry means, and a clear error for every kind
// of bad entry.
#include "app/sim/fault_plan.h"

#include <QTest>

using namespace tickscope::sim;
using namespace std::chrono_literals;

class TestFaultPlan : public QObject
{
    Q_OBJECT

private slots:
    // A valid spec, written back normalized: times in seconds, in time order.
    void parses_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("normalized");
        QTest::newRow("empty") << "" << "";
        QTest::newRow("blank") << "  " << "";
        QTest::newRow("drop") << "drop@5" << "drop@5";
        QTest::newRow("decimal time") << "drop@2.5" << "drop@2.5";
        QTest::newRow("time zero") << "malformed@0" << "malformed@0";
        QTest::newRow("skip trades, first symbol") << "skip-trades@1:10" << "skip-trades@1:10";
        QTest::newRow("skip trades of a symbol")
            << "skip-trades@1:10:ETHUSDT" << "skip-trades@1:10:ETHUSDT";
        QTest::newRow("symbol upper-cased") << "skip-depth@3:2:ethusdt" << "skip-depth@3:2:ETHUSDT";
        QTest::newRow("stall") << "stall@8:1.5" << "stall@8:1.5";
        QTest::newRow("shutdown") << "shutdown@60" << "shutdown@60";
        QTest::newRow("bad checksum") << "bad-checksum@2" << "bad-checksum@2";
        QTest::newRow("cut frame") << "cut-frame@4" << "cut-frame@4";
        QTest::newRow("throttle then ban")
            << "ban@15:10,throttle@10:5" << "throttle@10:5,ban@15:10";
        QTest::newRow("bad checksum of a symbol")
            << "bad-checksum@2:eth-usdt" << "bad-checksum@2:ETH-USDT";
        QTest::newRow("sorted by time, ties in spec order")
            << "shutdown@9, drop@1,malformed@1" << "drop@1,malformed@1,shutdown@9";
        QTest::newRow("millisecond rounding") << "drop@0.0004,drop@0.0006" << "drop@0,drop@0.001";
    }

    void parses()
    {
        QFETCH(QString, spec);
        const auto plan = FaultPlan::parse(spec);
        QVERIFY2(plan, plan ? "" : qPrintable(plan.error()));
        QTEST(plan->toString(), "normalized");
        const auto again = FaultPlan::parse(plan->toString());
        QVERIFY(again && again->faults() == plan->faults());
    }

    void fields()
    {
        const auto plan = FaultPlan::parse(u"skip-trades@2.5:10:BNBUSDT,stall@3:0.25");
        QVERIFY(plan);
        QCOMPARE(plan->faults().size(), std::size_t(2));
        const Fault &skip = plan->faults()[0];
        QCOMPARE(skip.kind, Fault::Kind::SkipTrades);
        QCOMPARE(skip.at, 2500ms);
        QCOMPARE(skip.count, 10);
        QCOMPARE(skip.symbol, std::string("BNBUSDT"));
        const Fault &stall = plan->faults()[1];
        QCOMPARE(stall.kind, Fault::Kind::Stall);
        QCOMPARE(stall.at, 3000ms);
        QCOMPARE(stall.length, 250ms);
    }

    // A bad spec: the error names the entry and says what is wrong with it.
    void rejects_data()
    {
        QTest::addColumn<QString>("spec");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown kind")
            << "explode@5" << "fault 'explode@5': unknown kind 'explode'; expected drop";
        QTest::newRow("no time") << "drop" << "fault 'drop': expected kind@seconds";
        QTest::newRow("empty time") << "drop@" << "fault 'drop@': missing time";
        QTest::newRow("negative time") << "drop@-1" << "fault 'drop@-1': time -1 is negative";
        QTest::newRow("time not a number")
            << "drop@soon" << "fault 'drop@soon': time 'soon' is not a number of seconds";
        QTest::newRow("time with exponent")
            << "drop@1e3" << "time '1e3' is not a number of seconds";
        QTest::newRow("time too far") << "drop@99999999" << "time 99999999 s is too far away";
        QTest::newRow("empty entry") << "drop@1,,drop@2" << "has an empty entry";
        QTest::newRow("argument to drop")
            << "drop@1:5" << "fault 'drop@1:5': drop takes no argument";
        QTest::newRow("argument to shutdown") << "shutdown@1:5" << "shutdown takes no argument";
        QTest::newRow("skip trades without count")
            << "skip-trades@1" << "fault 'skip-trades@1': expected skip-trades@T:N[:SYMBOL]";
        QTest::newRow("skip trades, empty count")
            << "skip-trades@1:" << "missing the number of ids to skip";
        QTest::newRow("skip trades, zero")
            << "skip-trades@1:0" << "must be a whole number from 1 to 1000000000, not '0'";
        QTest::newRow("skip depth, negative")
            << "skip-depth@1:-3" << "must be a whole number from 1 to 1000000000, not '-3'";
        QTest::newRow("skip depth, not a number") << "skip-depth@1:many" << "not 'many'";
        QTest::newRow("bad symbol") << "skip-trades@1:5:BTC_USDT" << "'BTC_USDT' is not a symbol";
        QTest::newRow("bad checksum with a count")
            << "bad-checksum@1:5:BTC-USDT" << "expected bad-checksum@T[:SYMBOL]";
        QTest::newRow("too many arguments")
            << "skip-depth@1:5:BTCUSDT:x" << "expected skip-depth@T:N[:SYMBOL]";
        QTest::newRow("stall without duration") << "stall@1" << "expected stall@T:SECONDS";
        QTest::newRow("stall of zero") << "stall@1:0" << "the stall duration must be above zero";
        QTest::newRow("throttle without duration") << "throttle@1" << "expected throttle@T:SECONDS";
        QTest::newRow("ban of zero") << "ban@1:0" << "the ban duration must be above zero";
        QTest::newRow("argument to cut-frame") << "cut-frame@1:2" << "cut-frame takes no argument";
        QTest::newRow("stall, negative duration")
            << "stall@1:-2" << "stall duration -2 is negative";
        QTest::newRow("one bad entry among good ones")
            << "drop@1,stall@x:1,drop@3" << "fault 'stall@x:1': time 'x'";
    }

    void rejects()
    {
        QFETCH(QString, spec);
        QFETCH(QString, error);
        const auto plan = FaultPlan::parse(spec);
        QVERIFY(!plan);
        QVERIFY2(plan.error().contains(error), qPrintable(plan.error()));
    }
};

QTEST_GUILESS_MAIN(TestFaultPlan)
#include "test_fault_plan.moc"
