#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/ops/local_server.h"
#include "app/ops/pg_installation.h"
#include "app/ops/standby.h"

namespace tickscope::app {

int runLocalDbClusterCommand(const QStringList &arguments);

namespace {

const QString kCommand = QStringLiteral("local-db");
const QString kSyntax = QStringLiteral("init|start|stop|status|add-standby|cluster");

int printStatus(const ops::LocalServer &server)
{
    const ops::LocalServerState state = server.state();
    if (!state.initialized) {
        cli::print(QStringLiteral("local database: not initialized in %1\n"
                                  "create it with: tickscope local-db init")
                .arg(state.directory));
        return cli::kNotInitialized;
    }
    cli::print(QStringLiteral("local database: %1\n"
                              "directory:      %2\n"
                              "edition:        %6\n"
                              "listens on:     127.0.0.1:%3\n"
                              "server log:     %4\n"
                              "conninfo:       %5")
            .arg(state.running ? QStringLiteral("running (pid %1)").arg(state.pid)
                               : QStringLiteral("stopped"),
                state.directory)
            .arg(state.port)
            .arg(state.logFile, state.conninfo,
                state.edition == model::TimescaleEdition::Timescale
                    ? QStringLiteral("tsl (TimescaleDB built from source in %1)")
                          .arg(ops::tslBuildDirectory())
                    : QStringLiteral("apache (Debian's TimescaleDB)")));
    return state.running ? cli::kSuccess : cli::kNotRunning;
}

} // namespace

int runLocalDbCommand(const QStringList &arguments)
{
    // `local-db cluster ACTION`: the three-node cluster has options of its own.
    if (arguments.size() > 2 && arguments.at(2) == u"cluster")
        return runLocalDbClusterCommand(arguments);
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Runs the embedded default database: a PostgreSQL cluster with TimescaleDB that "
            "Tickscope creates and runs itself, listening on 127.0.0.1 only.\n\n"
            "  init    create the cluster (a generated password is kept in DIR/passfile); on\n"
            "          Debian's TimescaleDB (the Apache edition: no compression, continuous\n"
            "          aggregates or policies), or with --edition tsl on the TSL edition that\n"
            "          scripts/timescaledb-tsl builds from TimescaleDB's source\n"
            "  start   start it and create the \"tickscope\" database; no-op when running\n"
            "  stop    stop it (fast shutdown); no-op when stopped\n"
            "  status  say whether it runs, where, and the conninfo string to use;\n"
            "          exit code 0 running, 3 stopped, 4 not initialized\n"
            "  add-standby  make a streaming standby of it (pg_basebackup over a replication\n"
            "          slot) in --standby-dir, on --standby-port, and start it; the same\n"
            "          actions with --data-dir set to that directory drive it afterwards\n"
            "  cluster ACTION  the high-availability variant: three nodes under Patroni and\n"
            "          etcd (see `tickscope local-db cluster --help`)"));
    parser.addOption({QStringLiteral("data-dir"),
        QStringLiteral("Directory of the cluster (default %1).")
            .arg(ops::LocalServer::defaultDirectory()),
        QStringLiteral("dir")});
    parser.addOption({QStringLiteral("port"),
        QStringLiteral("TCP port on 127.0.0.1 (init: default %1; start: move it).")
            .arg(ops::LocalServer::kDefaultPort),
        QStringLiteral("port")});
    parser.addOption({QStringLiteral("edition"), QStringLiteral("init: apache (default) or tsl."),
        QStringLiteral("edition")});
    parser.addOption({QStringLiteral("standby-port"),
        QStringLiteral("add-standby: the standby's TCP port on 127.0.0.1."),
        QStringLiteral("port")});
    parser.addOption({QStringLiteral("standby-dir"),
        QStringLiteral("add-standby: its directory (default: the primary's, with "
                       "-standby-PORT)."),
        QStringLiteral("dir")});
    if (const auto exit = cli::parse(parser, arguments, kCommand, kSyntax, 1))
        return *exit;

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2)
        return cli::usageError(kCommand,
            QStringLiteral("expected one action: init, start, stop, status or add-standby"));
    const QString action = positional.at(1);
    if (action != QLatin1String("add-standby")
        && (parser.isSet(QStringLiteral("standby-port"))
            || parser.isSet(QStringLiteral("standby-dir"))))
        return cli::usageError(
            kCommand, QStringLiteral("--standby-port and --standby-dir go with add-standby only"));
    if (action != QLatin1String("init") && parser.isSet(QStringLiteral("edition")))
        return cli::usageError(kCommand,
            QStringLiteral("--edition applies to init only (a cluster keeps the edition it was "
                           "made with)"));
    const auto edition = ops::parseEditionOption(parser.isSet(QStringLiteral("edition"))
            ? parser.value(QStringLiteral("edition"))
            : QStringLiteral("apache"));
    if (!edition)
        return cli::usageError(kCommand,
            QStringLiteral("unknown edition '%1'; expected apache or tsl")
                .arg(parser.value(QStringLiteral("edition"))));
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
        if (auto made = server.init(port.value_or(ops::LocalServer::kDefaultPort), {}, *edition);
            !made)
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
    if (action == QLatin1String("add-standby")) {
        if (port)
            return cli::usageError(
                kCommand, QStringLiteral("add-standby takes --standby-port, not --port"));
        if (!parser.isSet(QStringLiteral("standby-port")))
            return cli::usageError(kCommand, QStringLiteral("add-standby needs --standby-port"));
        const auto standbyPort
            = cli::intOption(parser, QStringLiteral("standby-port"), 1024, 65535, kCommand);
        if (!standbyPort)
            return cli::kUsage;
        const QString standbyDirectory = parser.isSet(QStringLiteral("standby-dir"))
            ? parser.value(QStringLiteral("standby-dir"))
            : server.directory() + QStringLiteral("-standby-%1").arg(*standbyPort);
        const auto made = ops::addStandby(
            server, standbyDirectory, *standbyPort, [](const QString &line) { cli::print(line); });
        if (!made)
            return cli::failure(kCommand, made.error());
        cli::print(QStringLiteral("standby streaming from 127.0.0.1:%1 over slot %2\n"
                                  "stop it with: tickscope local-db stop --data-dir %3")
                .arg(server.state().port)
                .arg(ops::standbySlotName(*standbyPort), made->directory));
        return printStatus(ops::LocalServer{made->directory});
    }
    return cli::usageError(kCommand,
        QStringLiteral("unknown action '%1'; expected init, start, stop, status or add-standby")
            .arg(action));
}

} // namespace tickscope::app
