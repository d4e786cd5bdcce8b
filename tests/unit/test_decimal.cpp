// Exact decimals: what is accepted, how it normalizes, prints and orders.
#include "app/model/decimal.h"

#include <QTest>

using tickscope::model::Decimal;

class TestDecimal : public QObject
{
    Q_OBJECT

private slots:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mantissa"); // decimal digits: it may pass 64 bits
        QTest::addColumn<int>("scale");
        QTest::addColumn<QString>("printed");
        QTest::newRow("binance price") << "67000.12000000" << "6700012" << 2 << "67000.12";
        QTest::newRow("satoshi") << "0.00000001" << "1" << 8 << "0.00000001";
        QTest::newRow("integer") << "5" << "5" << 0 << "5";
        QTest::newRow("zero size") << "0.00000000" << "0" << 0 << "0";
        QTest::newRow("negative") << "-1.50" << "-15" << 1 << "-1.5";
        QTest::newRow("leading zeros") << "000.10" << "1" << 1 << "0.1";
        QTest::newRow("18 decimals")
            << "0.000000000000000001" << "1" << 18 << "0.000000000000000001";
        QTest::newRow("int64 max")
            << "9223372036854775807" << "9223372036854775807" << 0 << "9223372036854775807";
        QTest::newRow("memecoin quantity")
            << "123456789012.5" << "1234567890125" << 1 << "123456789012.5";
        QTest::newRow("past int64")
            << "9223372036854775808" << "9223372036854775808" << 0 << "9223372036854775808";
        QTest::newRow("20-digit price with 8 decimals")
            << "12345678901234567890.12345678" << "1234567890123456789012345678" << 8
            << "12345678901234567890.12345678";
        QTest::newRow("38 digits") << "12345678901234567890.123456789012345678"
                                   << "12345678901234567890123456789012345678" << 18
                                   << "12345678901234567890.123456789012345678";
        QTest::newRow("leading zeros do not count")
            << "0000000000000000000000000000000000000001.5" << "15" << 1 << "1.5";
    }

    void parses()
    {
        QFETCH(QString, text);
        QFETCH(QString, mantissa);
        QFETCH(int, scale);
        QFETCH(QString, printed);
        const auto value = Decimal::parse(text.toStdString());
        QVERIFY(value);
        QCOMPARE(QString::fromStdString(Decimal{value->mantissa, 0}.toString()), mantissa);
        QCOMPARE(int(value->scale), scale);
        QCOMPARE(QString::fromStdString(value->toString()), printed);
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("sign only") << "-";
        QTest::newRow("plus sign") << "+1";
        QTest::newRow("exponent") << "1e5";
        QTest::newRow("no integral part") << ".5";
        QTest::newRow("no fraction digits") << "5.";
        QTest::newRow("two points") << "1.2.3";
        QTest::newRow("space") << " 1";
        QTest::newRow("letters") << "12a";
        QTest::newRow("nan") << "NaN";
        QTest::newRow("39 digits") << "123456789012345678901234567890123456789";
        QTest::newRow("too many decimals") << "0.0000000000000000001";
        QTest::newRow("39 digits with decimals") << "1234567890123456789012345678901.12345678";
    }

    void rejects()
    {
        QFETCH(QString, text);
        QVERIFY(!Decimal::parse(text.toStdString()));
    }

    void ordersAcrossScales()
    {
        const auto a = *Decimal::parse("1.5");
        const auto b = *Decimal::parse("1.50000001");
        const auto c = *Decimal::parse("2");
        QVERIFY(a < b);
        QVERIFY(b < c);
        QVERIFY(*Decimal::parse("1.50") == a);
        QVERIFY(*Decimal::parse("-3") < *Decimal::parse("0.00000001"));
        QVERIFY(*Decimal::parse("9223372036854775807") > *Decimal::parse("0.000000000000000001"));
        // Brought to the other's scale, a 38-digit mantissa leaves 128 bits: still ordered.
        const auto huge = *Decimal::parse("99999999999999999999999999999999999999");
        const auto tiny = *Decimal::parse("0.000000000000000001");
        QVERIFY(huge > tiny);
        QVERIFY(tiny < huge);
        QVERIFY(*Decimal::parse("-99999999999999999999999999999999999999") < tiny);
        QVERIFY(*Decimal::parse("12345678901234567890.12345678")
            < *Decimal::parse("12345678901234567890.123456781"));
    }

    // Units at a scale as prices and sizes are stored, and back: exact, or none when they would
    // not fit a bigint or the scale is finer than the value's own.
    void convertsToUnitsAndBack()
    {
        const auto price = *Decimal::parse("67000.12");
        QCOMPARE(price.unitsAt(2), std::optional<std::int64_t>{6700012});
        QCOMPARE(price.unitsAt(8), std::optional<std::int64_t>{6700012000000});
        QCOMPARE(price.unitsAt(1), std::nullopt);
        QCOMPARE(Decimal::fromUnits(6700012000000, 8), price);
        QCOMPARE(Decimal::fromUnits(0, 18), *Decimal::parse("0"));
        QCOMPARE(Decimal::parse("9223372036854775807")->unitsAt(0),
            std::optional<std::int64_t>{INT64_MAX});
        QCOMPARE(Decimal::parse("9223372036854775807")->unitsAt(1), std::nullopt);
        QCOMPARE(
            Decimal::parse("0.000000000000000001")->unitsAt(18), std::optional<std::int64_t>{1});
        QCOMPARE(Decimal::parse("-92233720368.54775808")->unitsAt(8),
            std::optional<std::int64_t>{INT64_MIN});
        // A 38-digit mantissa leaves 128 bits on the way up: no units, not a wrong number.
        QCOMPARE(
            Decimal::parse("99999999999999999999999999999999999999")->unitsAt(18), std::nullopt);
    }
};

QTEST_GUILESS_MAIN(TestDecimal)
#include "test_decimal.moc"
