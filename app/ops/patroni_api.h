// Patroni's REST API as Tickscope reads and drives it: the cluster's members as Patroni sees them
// (GET /cluster), a switchover or failover (POST, with the API's basic authentication). Used by
// `tickscope local-db cluster` and by the console's Replication page; the parsing is separate
// from the transport so that a damaged answer gives a clear error, never a crash.
#pragma once

#include <QByteArray>
#include <QString>
#include <chrono>
#include <expected>
#include <optional>
#include <vector>

namespace tickscope::ops {

struct PatroniMember
{
    QString name;
    QString role; // leader, replica, sync_standby, quorum_standby, standby_leader
    QString state; // running, streaming, stopped, starting, crashed, ...
    QString host;
    int port = 0;
    QString apiUrl;
    std::optional<int> timeline;
    std::optional<qint64> lagBytes; // replicas: bytes behind the leader; nullopt when unknown
    bool pendingRestart = false;

    bool leads() const { return role == QLatin1String("leader"); }
};

struct PatroniClusterView
{
    std::vector<PatroniMember> members; // by name, as Patroni sorts them
    bool paused = false;

    const PatroniMember *leader() const;
};

// The body of GET /cluster; the error names what was missing or of the wrong kind.
std::expected<PatroniClusterView, QString> parseClusterView(const QByteArray &body);

struct PatroniAnswer
{
    int status = 0; // HTTP status
    QByteArray body;
};

// One request to a member's API ("http://127.0.0.1:8008/cluster"); `credentials` is "user:password"
// for the methods Patroni protects. Runs its own event loop; an error when there was no answer
// within `timeout` (or no connection). Any HTTP status is an answer.
std::expected<PatroniAnswer, QString> patroniRequest(const QByteArray &method, const QString &url,
    const QByteArray &body = {}, const QByteArray &credentials = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(5));

} // namespace tickscope::ops
