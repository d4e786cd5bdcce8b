// The console's window shows what the connection monitor reports; screenshots go to
// test-artifacts/ for a person to look at.
#include "ui/main_window.h"
#include "widgets/status_badge.h"

#include <QDir>
#include <QLabel>
#include <QTest>

using namespace tickscope;

namespace {

model::DatabaseStatus readyStatus()
{
    model::DatabaseStatus status;
    status.state = model::DatabaseStatus::State::Ready;
    status.endpoint = "tickscope@127.0.0.1:54320/tickscope";
    status.embedded = true;
    status.capabilities.serverVersion = "17.5";
    status.capabilities.timescaleVersion = "2.19.3";
    status.capabilities.edition = model::TimescaleEdition::Apache;
    status.capabilities.currentUser = "tickscope";
    status.capabilities.superuser = true;
    status.roleDescription = "tickscope (superuser)";
    status.schemaVersion = 3;
    status.latestSchemaVersion = 3;
    status.checkedAt = std::chrono::system_clock::now();
    return status;
}

void saveScreenshot(QWidget &window, const QString &name)
{
    QDir().mkpath(QStringLiteral(TICKSCOPE_TEST_ARTIFACTS));
    QVERIFY(window.grab().save(
        QStringLiteral(TICKSCOPE_TEST_ARTIFACTS "/") + name + QStringLiteral(".png")));
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsAReadyConnection()
    {
        ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showDatabaseStatus(readyStatus());

        auto label = [&](const char *name) {
            return window.findChild<QLabel *>(QLatin1String(name))->text();
        };
        QCOMPARE(label("server"), QStringLiteral("17.5"));
        QCOMPARE(label("timescale"), QStringLiteral("2.19.3"));
        QCOMPARE(label("edition"), QStringLiteral("apache"));
        QCOMPARE(label("features"),
            QStringLiteral("compression: no, continuous aggregates: no, policies: no"));
        QCOMPARE(label("schema"), QStringLiteral("3 of 3"));
        QCOMPARE(label("role"), QStringLiteral("tickscope (superuser)"));
        QVERIFY(label("endpoint").contains(QStringLiteral("embedded")));
        auto *badge = window.findChild<widgets::StatusBadge *>(QStringLiteral("connectionBadge"));
        QCOMPARE(badge->level(), widgets::StatusBadge::Level::Ok);
        QVERIFY(badge->text().contains(QStringLiteral("TimescaleDB 2.19.3 (apache)")));
        saveScreenshot(window, QStringLiteral("main_window_ready"));
    }

    void showsAFailure()
    {
        ui::MainWindow window;
        window.show();
        auto status = readyStatus();
        window.showDatabaseStatus(status);
        status.state = model::DatabaseStatus::State::Failed;
        status.message = "cannot connect to host=127.0.0.1: connection refused";
        window.showDatabaseStatus(status);
        QCOMPARE(window.findChild<QLabel *>(QStringLiteral("message"))->text(),
            QString::fromStdString(status.message));
        QCOMPARE(
            window.findChild<widgets::StatusBadge *>(QStringLiteral("connectionBadge"))->level(),
            widgets::StatusBadge::Level::Error);
        QCOMPARE(window.findChild<widgets::StatusBadge *>(QStringLiteral("state"))->level(),
            widgets::StatusBadge::Level::Error);
        saveScreenshot(window, QStringLiteral("main_window_failed"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
