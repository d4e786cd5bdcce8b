// The value readers every exchange's parser shares: JSON numbers read as exact decimals (Kraken
// sends prices as numbers, some in exponent form) and RFC 3339 times (Kraken, Coinbase).
#include "app/feeds/json_reader.h"
#include "app/feeds/rfc3339.h"

#include <QTest>

using namespace tickscope;

class TestFeedValues : public QObject
{
    Q_OBJECT

private slots:
    void numberTokens_data()
    {
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("decimal"); // empty: refused
        QTest::newRow("plain") << "0.5147" << "0.5147";
        QTest::newRow("integer") << "6423" << "6423";
        QTest::newRow("trailing zeros dropped") << "45285.20" << "45285.2";
        QTest::newRow("exponent") << "1e-08" << "0.00000001";
        QTest::newRow("capital exponent with sign") << "1.5E+3" << "1500";
        QTest::newRow("exponent with fraction") << "2.25e-2" << "0.0225";
        QTest::newRow("negative") << "-0.5" << "-0.5";
        QTest::newRow("whitespace after the token") << "18097.1547 " << "18097.1547";
        QTest::newRow("beyond 18 decimals") << "1e-19" << "";
        QTest::newRow("no digits before the point") << ".5" << "";
        QTest::newRow("exponent too large") << "1e99" << "";
        QTest::newRow("not a number") << "true" << "";
    }

    void numberTokens()
    {
        QFETCH(QString, token);
        QFETCH(QString, decimal);
        const auto parsed = feeds::json::parseNumberToken(token.toStdString());
        if (decimal.isEmpty()) {
            QVERIFY(!parsed);
            return;
        }
        QVERIFY(parsed);
        QCOMPARE(QString::fromStdString(parsed->toString()), decimal);
    }

    void rfc3339_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ns"); // -1: refused
        QTest::newRow("microseconds, Z")
            << "2023-09-25T07:48:36.925533Z" << qint64(1'695'628'116'925'533'000);
        QTest::newRow("nanoseconds")
            << "2023-02-09T20:19:35.396251350Z" << qint64(1'675'973'975'396'251'350);
        QTest::newRow("no fraction") << "1970-01-01T00:00:01Z" << qint64(1'000'000'000);
        QTest::newRow("three digits")
            << "2019-08-14T20:42:27.265Z" << qint64(1'565'815'347'265'000'000);
        QTest::newRow("offset") << "1970-01-01T01:00:00+01:00" << qint64(0);
        QTest::newRow("negative offset")
            << "1970-01-01T00:00:00-00:30" << qint64(1'800'000'000'000);
        QTest::newRow("leap day") << "2024-02-29T00:00:00Z" << qint64(1'709'164'800'000'000'000);
        QTest::newRow("no zone") << "2023-09-25T07:48:36.925533" << qint64(-1);
        QTest::newRow("ten fraction digits") << "2023-09-25T07:48:36.9255330000Z" << qint64(-1);
        QTest::newRow("February 30") << "2023-02-30T00:00:00Z" << qint64(-1);
        QTest::newRow("hour 24") << "2023-02-01T24:00:00Z" << qint64(-1);
        QTest::newRow("before 1970") << "1969-12-31T23:59:59Z" << qint64(-1);
        QTest::newRow("last second in 64 bits")
            << "2262-04-11T23:47:15Z" << qint64(9'223'372'035'000'000'000);
        // Once wrapped to a negative time (eeff8bb).
        QTest::newRow("past 64 bits") << "2262-04-11T23:47:16Z" << qint64(-1);
        QTest::newRow("year 9999") << "9999-12-31T23:59:59Z" << qint64(-1);
        QTest::newRow("Coinbase heartbeat time, not RFC 3339")
            << "2023-06-23 20:31:56.121961769 +0000 UTC" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
    }

    void rfc3339()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ns);
        const auto parsed = feeds::parseRfc3339Ns(text.toStdString());
        if (ns < 0) {
            QVERIFY(!parsed);
            return;
        }
        QVERIFY(parsed);
        QCOMPARE(*parsed, ns);
    }
};

QTEST_GUILESS_MAIN(TestFeedValues)
#include "test_feed_values.moc"
