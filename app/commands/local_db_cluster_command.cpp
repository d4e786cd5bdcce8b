#include "app/cli/cli.h"
#include "app/cli/unix_signals.h"
#include "app/ops/patroni_cluster.h"
#include "app/ops/pg_installation.h"

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("local-db cluster");
const QString kSyntax = QStringLiteral("init|start|stop|status|switchover|failover");

QString lagText(const ops::PatroniMember &member)
{
    if (member.leads())
        return QStringLiteral("-");
    return member.lagBytes ? QStringLiteral("%1 B").arg(*member.lagBytes)
                           : QStringLiteral("unknown");
}

int printStatus(const ops::PatroniCluster &cluster)
{
    if (!cluster.initialized()) {
        cli::print(QStringLiteral("local cluster: not initialized in %1\n"
                                  "set one up with: tickscope local-db cluster init")
                .arg(cluster.directory()));
        return cli::kNotInitialized;
    }
    const auto supervisor = cluster.supervisorPid();
    const auto view = supervisor ? cluster.view()
                                 : std::expected<ops::PatroniClusterView, QString>(
                                       std::unexpected(QStringLiteral("stopped")));
    const ops::PatroniMember *leader = view ? view->leader() : nullptr;
    QString headline = !supervisor ? QStringLiteral("stopped")
        : !view
        ? QStringLiteral("supervisor running (pid %1), but %2").arg(*supervisor).arg(view.error())
        : leader ? QStringLiteral("running (supervisor pid %1), leader %2")
                       .arg(*supervisor)
                       .arg(leader->name)
                 : QStringLiteral("running (supervisor pid %1), NO LEADER").arg(*supervisor);
    QString text = QStringLiteral("local cluster: %1\n"
                                  "directory:     %2\n"
                                  "edition:       %3\n"
                                  "ports:         %4..%5 on 127.0.0.1\n")
                       .arg(headline, cluster.directory(), ops::editionOption(cluster.edition()))
                       .arg(cluster.portBase())
                       .arg(cluster.portBase() + ops::PatroniCluster::kPortsUsed - 1);
    if (view) {
        text += QStringLiteral("members:\n  %1 %2 %3 %4 %5 %6\n")
                    .arg(QStringLiteral("NAME").leftJustified(6),
                        QStringLiteral("ROLE").leftJustified(13),
                        QStringLiteral("STATE").leftJustified(12),
                        QStringLiteral("HOST:PORT").leftJustified(16),
                        QStringLiteral("TL").leftJustified(3), QStringLiteral("LAG"));
        for (const ops::PatroniMember &member : view->members)
            text += QStringLiteral("  %1 %2 %3 %4 %5 %6%7\n")
                        .arg(member.name.leftJustified(6), member.role.leftJustified(13),
                            member.state.leftJustified(12),
                            QStringLiteral("%1:%2")
                                .arg(member.host)
                                .arg(member.port)
                                .leftJustified(16),
                            (member.timeline ? QString::number(*member.timeline)
                                             : QStringLiteral("-"))
                                .leftJustified(3),
                            lagText(member),
                            member.pendingRestart ? QStringLiteral(" (pending restart)")
                                                  : QString());
    }
    text += QStringLiteral("conninfo:      %1\nreaders:       %2\nsupervisor log: %3")
                .arg(cluster.conninfo(), cluster.conninfo(QStringLiteral("prefer-standby")),
                    cluster.supervisorLog());
    cli::print(text);
    return leader ? cli::kSuccess : cli::kNotRunning;
}

} // namespace

int runLocalDbClusterCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Runs the embedded high-availability database: three etcd members and three\n"
            "PostgreSQL + TimescaleDB nodes under Patroni, on loopback ports. Patroni elects a\n"
            "leader, streams to the other two, and promotes one when the leader's server dies.\n\n"
            "  init        write the cluster's configuration (generated passwords in "
            "DIR/passfile)\n"
            "  start       start it in the background: the first start makes the leader and "
            "copies\n"
            "              it to both replicas; then create the \"tickscope\" database\n"
            "  stop        stop Patroni on each node (each stops its server), then etcd\n"
            "  status      each member's role, state, timeline and lag, and the conninfo strings;\n"
            "              exit code 0 with a leader, 3 stopped or leaderless, 4 not initialized\n"
            "  switchover  hand the leadership to --to NODE (else any healthy replica), with\n"
            "              the leader's consent: planned maintenance\n"
            "  failover    promote --to NODE whatever the leader's state"));
    parser.addOption({QStringLiteral("dir"),
        QStringLiteral("Directory of the cluster (default %1).")
            .arg(ops::PatroniCluster::defaultDirectory()),
        QStringLiteral("dir")});
    parser.addOption({QStringLiteral("port-base"),
        QStringLiteral("init: the first of the %1 ports it uses on 127.0.0.1 (default %2).")
            .arg(ops::PatroniCluster::kPortsUsed)
            .arg(ops::PatroniCluster::kDefaultPortBase),
        QStringLiteral("port")});
    parser.addOption({QStringLiteral("edition"), QStringLiteral("init: apache (default) or tsl."),
        QStringLiteral("edition")});
    parser.addOption({QStringLiteral("synchronous"),
        QStringLiteral("init: commit only once a replica has the WAL (Patroni's "
                       "synchronous_mode); a failover then loses no committed transaction.")});
    parser.addOption({QStringLiteral("to"),
        QStringLiteral("switchover, failover: the node to promote (node1, node2, node3)."),
        QStringLiteral("node")});
    if (const auto exit = cli::parse(parser, arguments, kCommand, kSyntax, 2))
        return *exit;

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 3)
        return cli::usageError(kCommand,
            QStringLiteral("expected one action: init, start, stop, status, switchover or "
                           "failover"));
    const QString action = positional.at(2);
    for (const char *initOnly : {"port-base", "edition", "synchronous"}) {
        if (action != u"init" && parser.isSet(QLatin1String(initOnly)))
            return cli::usageError(
                kCommand, QStringLiteral("--%1 applies to init only").arg(QLatin1String(initOnly)));
    }
    if (action != u"switchover" && action != u"failover" && parser.isSet(QStringLiteral("to")))
        return cli::usageError(
            kCommand, QStringLiteral("--to applies to switchover and failover only"));
    ops::PatroniCluster cluster{parser.isSet(QStringLiteral("dir"))
            ? parser.value(QStringLiteral("dir"))
            : ops::PatroniCluster::defaultDirectory()};
    const auto progress = [](const QString &line) {
        cli::print(line);
    };

    if (action == u"init") {
        const auto edition = ops::parseEditionOption(parser.isSet(QStringLiteral("edition"))
                ? parser.value(QStringLiteral("edition"))
                : QStringLiteral("apache"));
        if (!edition)
            return cli::usageError(kCommand,
                QStringLiteral("unknown edition '%1'; expected apache or tsl")
                    .arg(parser.value(QStringLiteral("edition"))));
        int portBase = ops::PatroniCluster::kDefaultPortBase;
        if (parser.isSet(QStringLiteral("port-base"))) {
            const auto given = cli::intOption(parser, QStringLiteral("port-base"), 1024,
                65535 - ops::PatroniCluster::kPortsUsed + 1, kCommand);
            if (!given)
                return cli::kUsage;
            portBase = *given;
        }
        if (auto made
            = cluster.init(portBase, *edition, parser.isSet(QStringLiteral("synchronous")));
            !made)
            return cli::failure(kCommand, made.error());
        cli::print(QStringLiteral("set up a three-node cluster in %1 (ports %2..%3)\n"
                                  "start it with: tickscope local-db cluster start --dir %1")
                .arg(cluster.directory())
                .arg(portBase)
                .arg(portBase + ops::PatroniCluster::kPortsUsed - 1));
        return cli::kSuccess;
    }
    if (action == u"start") {
        const auto started = cluster.start(progress);
        if (!started)
            return cli::failure(kCommand, started.error());
        if (!*started)
            cli::print(QStringLiteral("already running; nothing to do"));
        return printStatus(cluster);
    }
    if (action == u"stop") {
        const auto stopped = cluster.stop(progress);
        if (!stopped)
            return cli::failure(kCommand, stopped.error());
        cli::print(*stopped ? QStringLiteral("stopped the cluster in %1").arg(cluster.directory())
                            : QStringLiteral("not running; nothing to do"));
        return cli::kSuccess;
    }
    if (action == u"status")
        return printStatus(cluster);
    if (action == u"switchover" || action == u"failover") {
        if (!cluster.supervisorPid())
            return cli::failure(kCommand,
                QStringLiteral("the cluster in %1 is not running").arg(cluster.directory()));
        const std::optional<QString> to = parser.isSet(QStringLiteral("to"))
            ? std::optional(parser.value(QStringLiteral("to")))
            : std::nullopt;
        if (action == u"failover" && !to)
            return cli::usageError(kCommand, QStringLiteral("failover needs --to NODE"));
        const auto done = action == u"switchover" ? cluster.switchover(to) : cluster.failover(*to);
        if (!done)
            return cli::failure(kCommand, done.error());
        cli::print(*done);
        return printStatus(cluster);
    }
    if (action == u"supervise") {
        quitOnTerminationSignals();
        return cluster.supervise();
    }
    return cli::usageError(kCommand,
        QStringLiteral("unknown action '%1'; expected init, start, stop, status, switchover or "
                       "failover")
            .arg(action));
}

} // namespace tickscope::app
