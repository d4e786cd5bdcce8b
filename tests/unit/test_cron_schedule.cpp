// pg_cron schedules from policy intervals and back: every interval cron can say comes back as
// its own period (the Storage page judges a job overdue by it), and the others are refused with
// the reason.
#include "db/policy_manager.h"

#include <QTest>

using namespace tickscope;
using Unit = model::PolicyInterval::Unit;

class TestCronSchedule : public QObject
{
    Q_OBJECT

private slots:
    void roundTrips_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("unit");
        QTest::addColumn<QString>("schedule");
        const auto row = [](const char *name, int count, Unit unit, const char *schedule) {
            QTest::newRow(name) << count << static_cast<int>(unit) << QString::fromLatin1(schedule);
        };
        row("1 second", 1, Unit::Seconds, "1 seconds");
        row("30 seconds", 30, Unit::Seconds, "30 seconds");
        row("1 minute", 1, Unit::Minutes, "* * * * *");
        row("15 minutes", 15, Unit::Minutes, "*/15 * * * *");
        row("1 hour", 1, Unit::Hours, "0 * * * *");
        row("6 hours", 6, Unit::Hours, "0 */6 * * *");
        row("1 day", 1, Unit::Days, "0 0 * * *");
    }

    void roundTrips()
    {
        QFETCH(int, count);
        QFETCH(int, unit);
        QFETCH(QString, schedule);
        const model::PolicyInterval interval{count, static_cast<Unit>(unit)};
        const auto written = db::cronSchedule(interval);
        QVERIFY(written);
        QCOMPARE(QString::fromStdString(*written), schedule);
        QCOMPARE(db::cronPeriodSeconds(*written), std::optional<double>(interval.seconds()));
    }

    void refusesWhatCronCannotSay()
    {
        for (const model::PolicyInterval interval : {model::PolicyInterval{7, Unit::Minutes},
                 model::PolicyInterval{60, Unit::Seconds}, model::PolicyInterval{5, Unit::Hours},
                 model::PolicyInterval{2, Unit::Days}, model::PolicyInterval{1, Unit::Weeks}}) {
            const auto written = db::cronSchedule(interval);
            QVERIFY(!written);
            QVERIFY2(written.error().find("pg_cron cannot run a job every " + interval.text()) == 0,
                written.error().c_str());
        }
        QCOMPARE(db::cronPeriodSeconds("0 12 * * 1"), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(TestCronSchedule)
#include "test_cron_schedule.moc"
