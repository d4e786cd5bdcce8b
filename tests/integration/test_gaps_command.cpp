// `tickscope gaps` against a real database: the recorded gaps listed with their repair states and
// filters, and the completeness ledger per exchange, symbol, channel and UTC day computed from
// known gaps (overlaps counted once, each gap on its channel, window gaps on both); each stream's
// book integrity over a window; CSV quotes what needs quoting; bad arguments are usage errors that
// say what was wrong.
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

class TestGapsCommand : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_conninfo = testing::migratedDatabase("gaps_command");
        auto connection = db::connect(m_conninfo, "test");
        pqxx::work tx{connection};
        tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
                "VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT'), ('kraken', 'ETH/USD', 'ETH', "
                "'USD')");
        // BTCUSDT on 2026-11-29: a trade-id gap of 1 h (backfilled), a disconnect of 30 min
        // overlapping it by 15 min, a book sequence gap of 6 min (open); on 2026-11-30 an outage
        // of 2 h 24 min (open) whose note holds a comma and a quote.
        tx.exec(R"sql(
            INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, gap_start,
                                    gap_end, status, note)
            SELECT i.instrument_id, g.kind, g.first_missing, g.last_missing, g.gap_start::timestamptz,
                   g.gap_end::timestamptz, g.status, g.note
            FROM (VALUES
                ('trade_id', 100, 199, '2026-11-29 10:00+00', '2026-11-29 11:00+00', 'backfilled', NULL),
                ('disconnect', NULL, NULL, '2026-11-29 10:45+00', '2026-11-29 11:15+00', 'open', 'socket closed'),
                ('book_sequence', 500, 509, '2026-11-29 12:00+00', '2026-11-29 12:06+00', 'open', NULL),
                ('outage', NULL, NULL, '2026-11-30 00:00+00', '2026-11-30 02:24+00', 'open', 'disk full, "journal"')
            ) AS g(kind, first_missing, last_missing, gap_start, gap_end, status, note)
            CROSS JOIN market_data.instruments i WHERE i.symbol = 'BTCUSDT';
        )sql");
        tx.commit();
    }

    void listsGapsNewestFirst()
    {
        const auto run = gaps({QStringLiteral("--since"), QStringLiteral("2026-11-29"),
            QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonArray list = QJsonDocument::fromJson(run.out.toUtf8()).array();
        QCOMPARE(list.size(), 4);
        QCOMPARE(list[0][u"kind"].toString(), QStringLiteral("outage"));
        QCOMPARE(list[0][u"seconds"].toString(), QStringLiteral("8640.000"));
        QCOMPARE(list[3][u"kind"].toString(), QStringLiteral("trade_id"));
        QCOMPARE(list[3][u"first_missing"].toString(), QStringLiteral("100"));
        QCOMPARE(list[3][u"status"].toString(), QStringLiteral("backfilled"));
        QVERIFY(list[3][u"note"].isNull());

        const auto open = gaps({QStringLiteral("--since"), QStringLiteral("2026-11-29"),
            QStringLiteral("--open"), QStringLiteral("--exchange"), QStringLiteral("binance"),
            QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(QJsonDocument::fromJson(open.out.toUtf8()).array().size(), 3);
        const auto later = gaps({QStringLiteral("--since"), QStringLiteral("2026-11-30T01:00:00Z"),
            QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(QJsonDocument::fromJson(later.out.toUtf8()).array().size(), 1);
        const auto none = gaps(
            {QStringLiteral("--since"), QStringLiteral("2026-11-29"), QStringLiteral("--exchange"),
                QStringLiteral("kraken"), QStringLiteral("--format"), QStringLiteral("json")});
        QCOMPARE(QJsonDocument::fromJson(none.out.toUtf8()).array().size(), 0);
    }

    void csvQuotesWhatNeedsIt()
    {
        const auto run = gaps({QStringLiteral("--since"), QStringLiteral("2026-11-30"),
            QStringLiteral("--format"), QStringLiteral("csv")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.out.contains(QStringLiteral(",open,,\"disk full, \"\"journal\"\"\"")),
            qPrintable(run.out));
    }

    void completenessLedgerPerChannelAndDay()
    {
        const auto run = gaps({QStringLiteral("--completeness"), QStringLiteral("--since"),
            QStringLiteral("2026-11-29"), QStringLiteral("--until"),
            QStringLiteral("2026-11-30T12:00:00Z"), QStringLiteral("--exchange"),
            QStringLiteral("binance"), QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonArray ledger = QJsonDocument::fromJson(run.out.toUtf8()).array();
        QCOMPARE(ledger.size(), 4); // trades and book, two days
        const auto row = [&](const char *channel, const char *day) {
            for (const auto &entry : ledger) {
                if (entry[u"channel"].toString() == QLatin1String(channel)
                    && entry[u"day"].toString() == QLatin1String(day))
                    return entry.toObject();
            }
            return QJsonObject();
        };
        // Trades, 29th: the id gap (1 h) and the disconnect (30 min) overlap by 15 min: 75 min.
        const QJsonObject trades29 = row("trades", "2026-11-29");
        QCOMPARE(trades29[u"gap_seconds"].toString(), QStringLiteral("4500.000"));
        QCOMPARE(trades29[u"completeness"].toString(), QStringLiteral("94.7917%"));
        QCOMPARE(trades29[u"gaps"].toString(), QStringLiteral("2"));
        QCOMPARE(trades29[u"open_gaps"].toString(), QStringLiteral("1"));
        QCOMPARE(trades29[u"causes"].toString(), QStringLiteral("disconnect,trade_id"));
        QCOMPARE(trades29[u"repairs"].toString(), QStringLiteral("backfilled,open"));
        // Book, 29th: the disconnect (30 min) and the sequence gap (6 min).
        QCOMPARE(row("book", "2026-11-29")[u"gap_seconds"].toString(), QStringLiteral("2160.000"));
        // The 30th ends at --until: 12 h, of which the outage took 2 h 24 min (80 % complete).
        const QJsonObject trades30 = row("trades", "2026-11-30");
        QCOMPARE(trades30[u"completeness"].toString(), QStringLiteral("80.0000%"));
        QCOMPARE(row("book", "2026-11-30")[u"causes"].toString(), QStringLiteral("outage"));
    }

    void integrityPerStream()
    {
        {
            auto connection = db::connect(m_conninfo, "test");
            pqxx::work tx{connection};
            tx.exec("INSERT INTO audit.book_integrity (minute, instrument_id, updates_applied, "
                    "checksum_checks, checksum_failures, crossed_books, resyncs) SELECT m, "
                    "instrument_id, 100, 100, f, 0, f FROM market_data.instruments, (VALUES "
                    "('2026-11-29 10:00+00'::timestamptz, 0), ('2026-11-29 10:01+00', 1), "
                    "('2026-11-30 13:00+00', 3)) AS v(m, f) WHERE symbol = 'ETH/USD'");
            tx.commit();
        }
        const auto run = gaps(
            {QStringLiteral("--integrity"), QStringLiteral("--since"), QStringLiteral("2026-11-29"),
                QStringLiteral("--until"), QStringLiteral("2026-11-30T12:00:00Z"),
                QStringLiteral("--format"), QStringLiteral("json")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonArray streams = QJsonDocument::fromJson(run.out.toUtf8()).array();
        QCOMPARE(streams.size(), 1); // BTCUSDT's book was never counted
        const QJsonObject eth = streams[0].toObject();
        QCOMPARE(eth[u"symbol"].toString(), QStringLiteral("ETH/USD"));
        QCOMPARE(eth[u"updates_applied"].toString(), QStringLiteral("200")); // not the 30th's
        QCOMPARE(eth[u"checksum_failures"].toString(), QStringLiteral("1"));
        QCOMPARE(eth[u"resyncs"].toString(), QStringLiteral("1"));
        QCOMPARE(eth[u"last_problem"].toString(), QStringLiteral("2026-11-29T10:01:00.000Z"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("bad format") << QStringList{QStringLiteral("--format"),
            QStringLiteral("xml")} << "--format must be table, csv or json, not 'xml'";
        QTest::newRow("bad time") << QStringList{QStringLiteral("--since"),
            QStringLiteral("monday")}
                                  << "--since 'monday' is not an ISO 8601 time";
        QTest::newRow("before 1970")
            << QStringList{QStringLiteral("--since"), QStringLiteral("1700-01-01")}
            << "--since '1700-01-01' is outside 1970-01-01 .. 2262-03-31";
        QTest::newRow("reversed") << QStringList{QStringLiteral("--since"),
            QStringLiteral("2026-11-30"), QStringLiteral("--until"), QStringLiteral("2026-11-29")}
                                  << "--since must be before --until";
        QTest::newRow("open ledger") << QStringList{QStringLiteral("--completeness"),
            QStringLiteral("--open")} << "--open filters the list";
        QTest::newRow("integrity ledger")
            << QStringList{QStringLiteral("--integrity"), QStringLiteral("--completeness")}
            << "--integrity is a view of its own";
        QTest::newRow("backfill ledger")
            << QStringList{QStringLiteral("--backfill"), QStringLiteral("--completeness")}
            << "--backfill fills the gaps and lists them";
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto run = gaps(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
    }

private:
    testing::TickscopeRun gaps(const QStringList &arguments)
    {
        return testing::runTickscope(QStringList{QStringLiteral("gaps"), QStringLiteral("--db"),
                                         QString::fromStdString(m_conninfo)}
            + arguments);
    }

    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestGapsCommand)
#include "test_gaps_command.moc"
