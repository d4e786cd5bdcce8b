// The Gaps page against a real database with injected gaps, fed by the gap monitor as the console
// feeds it: the daily completeness figures equal what the gaps make of each day, each symbol with
// gaps gets a timeline with its gaps on it, the gap list carries cause and repair state, the
// filters reach the monitor and narrow what is shown, each stream's book integrity is summed over
// the window with the troubled one first, and the CSV export writes the list shown.
// The screenshot goes to test-artifacts/.
#include "app/services/gap_monitor.h"
#include "tests/support/schema_fixture.h"
#include "ui/gaps_page.h"
#include "ui/main_window.h"
#include "widgets/span_timeline.h"
#include "widgets/value_table.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

class TestGapsPage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("gaps_page");
            auto connection = db::connect(m_conninfo, "test");
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT'), "
                    "('binance', 'ETHUSDT', 'ETH', 'USDT')");
            // Yesterday (UTC): BTCUSDT lost 36 min of trades by id (backfilled) and its book
            // 6 min (open); ETHUSDT was disconnected for 72 min (unrecoverable). Days before
            // have none.
            tx.exec(R"sql(
                INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing, gap_start,
                                        gap_end, status, note)
                SELECT i.instrument_id, g.kind, g.first_missing, g.last_missing,
                       date_trunc('day', now(), 'UTC') - interval '1 day' + g.start_offset,
                       date_trunc('day', now(), 'UTC') - interval '1 day' + g.end_offset,
                       g.status, g.note
                FROM (VALUES
                    ('BTCUSDT', 'trade_id', 100, 199, interval '10 hours', interval '10 hours 36 minutes', 'backfilled', NULL),
                    ('BTCUSDT', 'book_sequence', 500, 509, interval '12 hours', interval '12 hours 6 minutes', 'open', NULL),
                    ('ETHUSDT', 'disconnect', NULL, NULL, interval '3 hours', interval '4 hours 12 minutes', 'unrecoverable', 'socket closed')
                ) AS g(symbol, kind, first_missing, last_missing, start_offset, end_offset, status, note)
                JOIN market_data.instruments i USING (symbol);
            )sql");
            // Book integrity: BTCUSDT failed two checksums an hour ago and was resynchronised;
            // ETHUSDT's book held; a minute of BTCUSDT before the window is not counted.
            tx.exec(R"sql(
                INSERT INTO audit.book_integrity (minute, instrument_id, updates_applied,
                    updates_dropped, checksum_checks, checksum_failures, sequence_breaks,
                    crossed_books, resyncs)
                SELECT date_trunc('minute', now()) + b.offset_, i.instrument_id, b.applied,
                       b.dropped, b.checks, b.failures, 0, 0, b.resyncs
                FROM (VALUES
                    ('BTCUSDT', interval '-2 hours', 600, 0, 600, 0, 0),
                    ('BTCUSDT', interval '-1 hour', 580, 5, 582, 2, 2),
                    ('BTCUSDT', interval '-30 days', 1000, 0, 1000, 9, 9),
                    ('ETHUSDT', interval '-1 hour', 700, 0, 700, 0, 0)
                ) AS b(symbol, offset_, applied, dropped, checks, failures, resyncs)
                JOIN market_data.instruments i USING (symbol);
            )sql");
            tx.commit();
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void showsTheLedgerTheTimelinesAndTheGaps()
    {
        ui::MainWindow window;
        app::GapMonitor monitor;
        auto *page = window.gapsPage();
        connect(&monitor, &app::GapMonitor::ledgerChanged, page, &ui::GapsPage::showLedger);
        connect(page, &ui::GapsPage::filterChanged, &monitor, &app::GapMonitor::setFilter);
        QSignalSpy ledgers{&monitor, &app::GapMonitor::ledgerChanged};
        window.resize(1280, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *list = window.findChild<QListWidget *>();
        list->setCurrentItem(list->findItems(QStringLiteral("Gaps"), Qt::MatchExactly).front());
        monitor.start(QString::fromStdString(m_conninfo));
        QCOMPARE(ledgers.count(), 1);
        QCOMPARE(ledgers.front().front().value<model::GapLedger>().error, std::string());

        auto *ledger = page->findChild<widgets::ValueTable *>(QStringLiteral("ledger"));
        // Two instruments x two channels x the 8 UTC days the 7-day window touches.
        QCOMPARE(ledger->rowCount(), 2 * 2 * 8);
        const QString yesterday
            = QDateTime::currentDateTimeUtc().addDays(-1).toString(QStringLiteral("yyyy-MM-dd"));
        const auto figure = [&](const QString &symbol, const QString &channel) {
            for (int row = 0; row < ledger->rowCount(); ++row) {
                if (ledger->cellText(row, 1) == symbol && ledger->cellText(row, 2) == channel
                    && ledger->cellText(row, 3) == yesterday)
                    return ledger->cellText(row, 9);
            }
            return QString();
        };
        QCOMPARE(figure(QStringLiteral("BTCUSDT"), QStringLiteral("trades")),
            QStringLiteral("97.500%")); // 36 of 1440 minutes
        QCOMPARE(figure(QStringLiteral("BTCUSDT"), QStringLiteral("book")),
            QStringLiteral("99.583%")); // 6 minutes
        QCOMPARE(figure(QStringLiteral("ETHUSDT"), QStringLiteral("trades")),
            QStringLiteral("95.000%")); // a disconnect counts on both channels
        QCOMPARE(
            figure(QStringLiteral("ETHUSDT"), QStringLiteral("book")), QStringLiteral("95.000%"));
        QVERIFY(page->findChild<QLabel *>(QStringLiteral("summary"))
                ->text()
                .contains(QStringLiteral("3 gap(s) in the window, 1 open")));

        auto *btcLine
            = page->findChild<widgets::SpanTimeline *>(QStringLiteral("timeline binance BTCUSDT"));
        QVERIFY(btcLine);
        QCOMPARE(btcLine->spans().size(), std::size_t(2));
        auto *ethLine
            = page->findChild<widgets::SpanTimeline *>(QStringLiteral("timeline binance ETHUSDT"));
        QVERIFY(ethLine);
        QCOMPARE(ethLine->spans().front().toMs - ethLine->spans().front().fromMs, 72 * 60'000);

        auto *gaps = page->findChild<widgets::ValueTable *>(QStringLiteral("gaps"));
        QCOMPARE(gaps->rowCount(), 3);
        QCOMPARE(gaps->cellText(0, 3), QStringLiteral("book_sequence")); // newest first
        QCOMPARE(gaps->cellText(0, 4), QStringLiteral("500..509"));
        QCOMPARE(gaps->cellText(2, 9), QStringLiteral("unrecoverable"));
        QCOMPARE(ledger->cellText(0, 9), QStringLiteral("95.000%")); // the worst day first

        auto *integrity = page->findChild<widgets::ValueTable *>(QStringLiteral("integrity"));
        QCOMPARE(integrity->rowCount(), 2);
        QCOMPARE(integrity->cellText(0, 1), QStringLiteral("BTCUSDT")); // troubled first
        QCOMPARE(integrity->cellText(0, 2), QStringLiteral("1180")); // updates applied
        QCOMPARE(integrity->cellText(0, 4), QStringLiteral("1182")); // checksums checked
        QCOMPARE(integrity->cellText(0, 5), QStringLiteral("2")); // failed
        QCOMPARE(integrity->cellText(0, 8), QStringLiteral("2")); // resyncs
        QVERIFY(!integrity->cellText(0, 9).isEmpty()); // when the last failure was
        QCOMPARE(integrity->cellText(1, 1), QStringLiteral("ETHUSDT"));
        QCOMPARE(integrity->cellText(1, 5), QStringLiteral("0"));
        QVERIFY(integrity->cellText(1, 9).isEmpty());
        QTest::qWait(100); // the timelines laid out
        QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
        QVERIFY(window.grab().save(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/gaps_page.png")));

        // The filters reach the monitor, which reads again.
        auto *symbol = page->findChild<QLineEdit *>(QStringLiteral("symbolFilter"));
        symbol->setText(QStringLiteral("ETHUSDT"));
        emit symbol->editingFinished();
        QCOMPARE(gaps->rowCount(), 1);
        QCOMPARE(ledger->rowCount(), 2 * 8);
        page->findChild<QCheckBox *>()->setChecked(true); // open only: ETHUSDT has none
        QCOMPARE(gaps->rowCount(), 0);
        page->findChild<QCheckBox *>()->setChecked(false);
        symbol->clear();
        emit symbol->editingFinished();
        QCOMPARE(gaps->rowCount(), 3);

        // The export writes the list shown, whole; a path it cannot write is refused by name.
        QTemporaryDir dir;
        QString error;
        QVERIFY2(
            page->exportCsv(dir.filePath(QStringLiteral("gaps.csv")), &error), qPrintable(error));
        QFile csv{dir.filePath(QStringLiteral("gaps.csv"))};
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].startsWith("id,exchange,symbol,kind,missing,start,end"));
        QVERIFY(!page->exportCsv(QStringLiteral("/nonexistent/dir/gaps.csv"), &error));
        QVERIFY2(error.startsWith(QStringLiteral("cannot write /nonexistent/dir/gaps.csv")),
            qPrintable(error));
        monitor.shutdown();
    }

private:
    std::string m_conninfo;
};

QTEST_MAIN(TestGapsPage)
#include "test_gaps_page.moc"
