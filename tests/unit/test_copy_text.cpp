// Timestamps in PostgreSQL text form from ns since the epoch.
#include "db/copy_text.h"

#include <QTest>

using namespace tickscope;

class TestCopyText : public QObject
{
    Q_OBJECT

private slots:
    void timestamps_data()
    {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QString>("text");
        QTest::newRow("epoch") << qint64(0) << "1970-01-01 00:00:00.000000+00";
        QTest::newRow("nanoseconds truncated")
            << qint64(1'764'068'709'123'456'789) << "2025-11-25 11:05:09.123456+00";
        QTest::newRow("leap day") << qint64(1'709'164'800'000'001'000)
                                  << "2024-02-29 00:00:00.000001+00";
        QTest::newRow("end of year")
            << qint64(1'767'225'599'999'999'000) << "2025-12-31 23:59:59.999999+00";
        QTest::newRow("before the epoch") << qint64(-1'000) << "1969-12-31 23:59:59.999999+00";
    }

    void timestamps()
    {
        QFETCH(qint64, ns);
        QFETCH(QString, text);
        std::string out;
        db::copy_text::appendTimestamp(out, ns);
        QCOMPARE(QString::fromStdString(out), text);
    }
};

QTEST_GUILESS_MAIN(TestCopyText)
#include "test_copy_text.moc"
