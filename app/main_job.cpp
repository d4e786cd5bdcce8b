#include "app/cli.h"
#include "app/commands.h"
#include "app/config.h"
#include "app/connection_monitor.h"
#include "app/database_target.h"
#include "app/unix_signals.h"
#include "db/capability_probe.h"
#include "db/migration_set.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QThread>
#include <memory>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

bool displayAvailable()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
        || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}

QString statusLine(const model::DatabaseStatus &status)
{
    using State = model::DatabaseStatus::State;
    const QString endpoint = QString::fromStdString(status.endpoint)
        + (status.embedded ? QStringLiteral(" (embedded)") : QString());
    switch (status.state) {
    case State::Connecting:
        return QStringLiteral("connecting | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    case State::Migrating:
        return QStringLiteral("migrating | %1").arg(endpoint);
    case State::Ready:
        return QStringLiteral("ready | %1 | %2 | schema %3/%4")
            .arg(endpoint, QString::fromStdString(db::describeCapabilities(status.capabilities)))
            .arg(status.schemaVersion)
            .arg(status.latestSchemaVersion);
    case State::Failed:
        return QStringLiteral("failed | %1 | %2")
            .arg(endpoint, QString::fromStdString(status.message));
    }
    return {};
}

} // namespace

int runMainJob(int &argc, char **argv, const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Tickscope keeps exchange market data in TimescaleDB and watches over it.\n\n"
            "Without a command it opens the console (or, without a display or with --headless, "
            "prints a status line until Ctrl-C). With nothing configured it runs the embedded "
            "local database and migrates it.\n\n"
            "Commands:\n"
            "  local-db   create, start, stop or inspect the embedded database\n"
            "  migrate    apply or list schema migrations\n"
            "  ingest     run the configured exchange feeds into the database, headless\n"
            "  replay     replay a capture or a journal: report gaps and books, or write it\n\n"
            "Run 'tickscope COMMAND --help' for a command's options."));
    parser.addVersionOption();
    parser.addOptions({
        {QStringLiteral("db"), QStringLiteral("libpq conninfo string or postgresql:// URI."),
            QStringLiteral("conninfo")},
        {QStringLiteral("config"),
            QStringLiteral("Config file (default %1).").arg(defaultConfigPath()),
            QStringLiteral("file")},
        {QStringLiteral("headless"), QStringLiteral("Run without the console window.")},
        {QStringLiteral("verbose"), QStringLiteral("Log debug details.")},
    });
    if (const auto exit = cli::parse(parser, arguments, QString()))
        return *exit;
    if (parser.isSet(QStringLiteral("version"))) {
        cli::print(QStringLiteral("tickscope %1").arg(QStringLiteral(TICKSCOPE_VERSION)));
        return cli::kSuccess;
    }
    if (!parser.positionalArguments().isEmpty())
        return cli::usageError(QString(),
            QStringLiteral("unknown command '%1'").arg(parser.positionalArguments().first()));
    if (parser.isSet(QStringLiteral("verbose")))
        spdlog::set_level(spdlog::level::debug);

    const bool explicitConfig = parser.isSet(QStringLiteral("config"));
    const auto config
        = loadConfig(explicitConfig ? parser.value(QStringLiteral("config")) : defaultConfigPath(),
            explicitConfig);
    if (!config)
        return cli::failure(QString(), QString::fromStdString(config.error()));
    auto migrations = db::loadMigrations(db::kEmbeddedMigrations);
    if (!migrations)
        return cli::failure(QString(), QString::fromStdString(migrations.error()));
    const DatabaseTarget target = resolveDatabaseTarget(parser.isSet(QStringLiteral("db"))
            ? std::optional{parser.value(QStringLiteral("db")).toStdString()}
            : std::nullopt,
        *config);

    const bool headless = parser.isSet(QStringLiteral("headless")) || !displayAvailable();
    std::unique_ptr<QCoreApplication> application = headless
        ? std::make_unique<QCoreApplication>(argc, argv)
        : std::make_unique<QApplication>(argc, argv);
    quitOnTerminationSignals();
    qRegisterMetaType<model::DatabaseStatus>();

    QThread monitorThread;
    monitorThread.setObjectName(QStringLiteral("monitor"));
    auto *monitor = new ConnectionMonitor(target, std::move(*migrations));
    monitor->moveToThread(&monitorThread);
    QObject::connect(&monitorThread, &QThread::started, monitor, &ConnectionMonitor::start);
    QObject::connect(&monitorThread, &QThread::finished, monitor, &QObject::deleteLater);

    std::unique_ptr<ui::MainWindow> window;
    QString lastLine;
    if (headless) {
        cli::print(QStringLiteral("tickscope %1 headless; database: %2. Press Ctrl-C to stop.")
                .arg(QStringLiteral(TICKSCOPE_VERSION), QString::fromStdString(target.source)));
        QObject::connect(monitor, &ConnectionMonitor::statusChanged, application.get(),
            [&lastLine](const model::DatabaseStatus &status) {
                const QString line = statusLine(status);
                if (line != lastLine)
                    cli::print(QStringLiteral("tickscope: ") + line);
                lastLine = line;
            });
    } else {
        window = std::make_unique<ui::MainWindow>();
        QObject::connect(monitor, &ConnectionMonitor::statusChanged, window.get(),
            &ui::MainWindow::showDatabaseStatus);
        window->show();
    }
    monitorThread.start();
    const int exitCode = application->exec();

    // Stop the services on their own thread before the thread ends.
    QMetaObject::invokeMethod(monitor, &ConnectionMonitor::shutdown, Qt::BlockingQueuedConnection);
    monitorThread.quit();
    monitorThread.wait();
    if (headless)
        cli::print(QStringLiteral("tickscope: stopped"));
    return exitCode;
}

} // namespace tickscope::app
