// The embedded high-availability database: three etcd members and three PostgreSQL +
// TimescaleDB nodes under Patroni, on loopback ports, that Tickscope creates and runs itself
// (`tickscope local-db cluster`). Patroni elects the leader through etcd, makes the other two
// streaming replicas, and promotes one when the leader's server dies; clients reach the leader
// with a multi-host conninfo and target_session_attrs.
//
// Layout of its directory: cluster.json (what init chose: the first of its twelve ports, the
// edition, synchronous mode), passfile (the superuser's and the replication login's generated
// passwords; libpq's format), api-credentials (user:password of Patroni's REST API, which
// switchover and failover need), supervisor.pid and supervisor.log (the process that runs the six
// others: `local-db cluster start` starts it in the background), etcd1..3/ (each member's data
// and log), node1..3/ (patroni.yml, patroni.log, data/, run/ for the socket, log/ for the
// server's log). Ports, from the first: the three servers, the three REST APIs, etcd's three
// client ports, etcd's three peer ports.
//
// Patroni's timings are chosen for a failover within seconds without flapping: loop_wait 2 s
// (a dead server is noticed within one loop; primary_start_timeout 0 promotes a replica at once
// instead of restarting it), ttl 20 s (a leader whose Patroni is gone, a host lost, is replaced
// after at most 20 s), retry_timeout 9 s (etcd or PostgreSQL unreachable for 9 s demotes the
// leader; Patroni requires loop_wait + 2 * retry_timeout <= ttl).
#pragma once

#include "app/model/server_capabilities.h"
#include "app/ops/patroni_api.h"

#include <QString>
#include <QStringList>
#include <expected>
#include <functional>
#include <optional>

namespace tickscope::ops {

class PatroniCluster
{
public:
    static constexpr int kMembers = 3;
    static constexpr int kPortsUsed = 4 * kMembers;
    static constexpr int kDefaultPortBase = 54340;
    static inline const QString kScope = QStringLiteral("tickscope");

    using Progress = std::function<void(const QString &)>;

    explicit PatroniCluster(QString directory);

    // $TICKSCOPE_LOCAL_CLUSTER_DIR when set; else dataRoot()/local-db-cluster.
    static QString defaultDirectory();

    // Writes the configuration of a new cluster into a new or empty directory; the servers are
    // made by Patroni on the first start. `extraSettings` are "name = value" server settings
    // (tests: fsync = off). On failure, what it made is removed again.
    std::expected<void, QString> init(int portBase, model::TimescaleEdition edition,
        bool synchronous, const QStringList &extraSettings = {});
    // Starts the supervisor and waits (at most four minutes) until a leader runs and both
    // replicas stream; then makes sure the "tickscope" database exists. False when it was
    // running already.
    std::expected<bool, QString> start(const Progress &progress);
    // Stops Patroni on every node (each stops its server), then etcd. False when not running.
    std::expected<bool, QString> stop(const Progress &progress);
    // Runs in the supervisor process until SIGTERM (the caller turns it into quit()): starts the
    // etcd members, then Patroni on each node, restarts one that exits, and stops them in that
    // order's reverse.
    int supervise();

    // Patroni's view of the members, from the first node's API that answers.
    std::expected<PatroniClusterView, QString> view() const;
    // Hands the leadership to `candidate` (any healthy replica when nullopt) with the leader's
    // consent; yields Patroni's answer.
    std::expected<QString, QString> switchover(const std::optional<QString> &candidate) const;
    // Promotes `candidate` whatever the leader's state (for a leader that cannot consent).
    std::expected<QString, QString> failover(const QString &candidate) const;

    bool initialized() const;
    // The supervisor's pid while it runs.
    std::optional<qint64> supervisorPid() const;
    // Every node, for target_session_attrs to choose from: read-write (the leader) for ingest,
    // migrations and policies; prefer-standby for readers.
    QString conninfo(const QString &targetSessionAttrs = QStringLiteral("read-write"),
        const QString &database = QStringLiteral("tickscope")) const;

    QString directory() const { return m_directory; }
    QString nodeName(int member) const { return QStringLiteral("node%1").arg(member + 1); }
    QString nodeDirectory(int member) const;
    QString passfile() const { return m_directory + QStringLiteral("/passfile"); }
    QString supervisorLog() const { return m_directory + QStringLiteral("/supervisor.log"); }
    int portBase() const;
    int postgresPort(int member) const { return portBase() + member; }
    int apiPort(int member) const { return portBase() + kMembers + member; }
    int etcdClientPort(int member) const { return portBase() + 2 * kMembers + member; }
    int etcdPeerPort(int member) const { return portBase() + 3 * kMembers + member; }
    model::TimescaleEdition edition() const;

private:
    QString layoutFile() const { return m_directory + QStringLiteral("/cluster.json"); }
    QString pidFile() const { return m_directory + QStringLiteral("/supervisor.pid"); }
    QString credentialsFile() const { return m_directory + QStringLiteral("/api-credentials"); }
    QString etcdDirectory(int member) const;
    std::expected<void, QString> initClaimed(int portBase, model::TimescaleEdition edition,
        bool synchronous, const QStringList &extraSettings);
    std::expected<void, QString> writeNodeConfiguration(int member,
        const QString &superuserPassword, const QString &replicationPassword, bool synchronous,
        const QStringList &extraSettings) const;
    std::expected<void, QString> waitUntilReady(const Progress &progress) const;
    std::expected<void, QString> ensureDatabase() const;
    std::expected<QString, QString> postToLeader(
        const QByteArray &path, const QByteArray &body) const;

    QString m_directory;
};

} // namespace tickscope::ops
