#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/ops/local_server.h"

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("local-db");
const QString kSyntax = QStringLiteral("init|start|stop|status");

// Exit codes of `status`, as pg_ctl status has them.
constexpr int kNotRunning = 3;
constexpr int kNotInitialized = 4;

int printStatus(const ops::LocalServer &server)
{
    const ops::LocalServerState state = server.state();
    if (!state.initialized) {
        cli::print(QStringLiteral("local database: not initialized in %1\n"
                                  "create it with: tickscope local-db init")
                .arg(state.directory));
        return kNotInitialized;
    }
    cli::print(QStringLiteral("local database: %1\n"
                              "directory:      %2\n"
                              "listens on:     127.0.0.1:%3\n"
                              "server log:     %4\n"
                              "conninfo:       %5")
            .arg(state.running ? QStringLiteral("running (pid %1)").arg(state.pid)
                               : QStringLiteral("stopped"),
                state.directory)
            .arg(state.port)
            .arg(state.logFile, state.conninfo));
    return state.running ? cli::kSuccess : kNotRunning;
}

} // namespace

int runLocalDbCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Runs the embedded default database: a PostgreSQL cluster with TimescaleDB that "
            "Tickscope creates and runs itself, listening on 127.0.0.1 only.\n\n"
            "  init    create the cluster (a generated password is kept in DIR/passfile)\n"
            "  start   start it and create the \"tickscope\" database; no-op when running\n"
            "  stop    stop it (fast shutdown); no-op when stopped\n"
            "  status  say whether it runs, where, and the conninfo string to use;\n"
            "          exit code 0 running, 3 stopped, 4 not initialized"));
    parser.addOption({QStringLiteral("data-dir"),
        QStringLiteral("Directory of the cluster (default %1).")
            .arg(ops::LocalServer::defaultDirectory()),
        QStringLiteral("dir")});
    parser.addOption({QStringLiteral("port"),
        QStringLiteral("TCP port on 127.0.0.1 (init: default %1; start: move it).")
            .arg(ops::LocalServer::kDefaultPort),
        QStringLiteral("port")});
    if (const auto exit = cli::parse(parser, arguments, kCommand, kSyntax, 1))
        return *exit;

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2)
        return cli::usageError(
            kCommand, QStringLiteral("expected one action: init, start, stop or status"));
    const QString action = positional.at(1);
    std::optional<int> port;
    if (parser.isSet(QStringLiteral("port"))) {
        port = cli::intOption(parser, QStringLiteral("port"), 1024, 65535, kCommand);
        if (!port)
            return cli::kUsage;
    }
    const QString directory = parser.isSet(QStringLiteral("data-dir"))
        ? parser.value(QStringLiteral("data-dir"))
        : ops::LocalServer::defaultDirectory();
    ops::LocalServer server{directory};

    if (action == QLatin1String("init")) {
        if (auto made = server.init(port.value_or(ops::LocalServer::kDefaultPort)); !made)
            return cli::failure(kCommand, made.error());
        cli::print(QStringLiteral("initialized a database cluster in %1 (port %2)\n"
                                  "start it with: tickscope local-db start%3")
                .arg(server.directory())
                .arg(server.state().port)
                .arg(parser.isSet(QStringLiteral("data-dir"))
                        ? QStringLiteral(" --data-dir ") + server.directory()
                        : QString()));
        return cli::kSuccess;
    }
    if (action == QLatin1String("start")) {
        const auto started = server.start(port);
        if (!started)
            return cli::failure(kCommand, started.error());
        if (!*started)
            cli::print(QStringLiteral("already running; nothing to do"));
        printStatus(server);
        return cli::kSuccess;
    }
    if (action == QLatin1String("stop")) {
        if (port)
            return cli::usageError(
                kCommand, QStringLiteral("--port applies to init and start only"));
        const auto stopped = server.stop();
        if (!stopped)
            return cli::failure(kCommand, stopped.error());
        cli::print(*stopped
                ? QStringLiteral("stopped the local database in %1").arg(server.directory())
                : QStringLiteral("not running; nothing to do"));
        return cli::kSuccess;
    }
    if (action == QLatin1String("status")) {
        if (port)
            return cli::usageError(
                kCommand, QStringLiteral("--port applies to init and start only"));
        return printStatus(server);
    }
    return cli::usageError(kCommand,
        QStringLiteral("unknown action '%1'; expected init, start, stop or status").arg(action));
}

} // namespace tickscope::app
