// Alerts: what the rules watch, one condition per rule and subject per evaluation, and the
// alerts the engine raises from them. Rules have a threshold and a duration (a condition must
// hold that long before it fires), with defaults that experienced PostgreSQL operators use;
// the [alerts] section of the config file overrides them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

enum class AlertSeverity { Warning, Critical };

inline const char *severityName(AlertSeverity severity)
{
    return severity == AlertSeverity::Critical ? "critical" : "warning";
}

struct AlertRule
{
    std::string name; // "replication_lag_seconds"
    std::string watches; // what it means, with the unit of its threshold
    AlertSeverity severity = AlertSeverity::Warning;
    double threshold = 0;
    std::chrono::seconds duration{0};
    bool enabled = true;
};

// The rules and their defaults, in the order the console lists them.
inline std::vector<AlertRule> defaultAlertRules()
{
    using S = AlertSeverity;
    using std::chrono::seconds;
    return {
        {"server_down", "the database cannot be reached", S::Critical, 0, seconds{30}},
        {"server_restarted", "the server started less than THRESHOLD seconds ago", S::Warning, 600,
            seconds{0}},
        {"connections", "connections above THRESHOLD % of max_connections", S::Warning, 80,
            seconds{60}},
        {"replication_lag_bytes", "a standby more than THRESHOLD bytes behind", S::Warning,
            64.0 * 1024 * 1024, seconds{60}},
        {"replication_lag_seconds", "a standby's replay more than THRESHOLD seconds behind",
            S::Warning, 10, seconds{30}},
        {"standby_gone", "a replication slot that no standby uses", S::Critical, 0, seconds{30}},
        {"slot_wal_lost", "a slot whose WAL is unreserved or lost", S::Critical, 0, seconds{0}},
        {"primary_unreachable", "a standby's WAL receiver not streaming", S::Critical, 0,
            seconds{30}},
        {"disk_free", "free space under THRESHOLD % (critical under half of it)", S::Warning, 10,
            seconds{60}},
        {"archive_failing", "WAL archiving failing (last failure after last success)", S::Critical,
            0, seconds{60}},
        {"archive_backlog", "more than THRESHOLD WAL segments waiting to be archived", S::Warning,
            10, seconds{300}},
        {"backup_stale", "the newest sound backup older than THRESHOLD x [backup] every",
            S::Warning, 1.5, seconds{0}},
        {"job_failing", "a maintenance job whose last run failed, after THRESHOLD failures",
            S::Warning, 2, seconds{0}},
        {"job_overdue", "a maintenance job overdue or stuck", S::Warning, 0, seconds{300}},
        {"aggregate_lagging", "an aggregate behind its refresh policy", S::Warning, 0,
            seconds{300}},
        {"compression_backlog", "more than THRESHOLD chunks waiting for compression", S::Warning,
            10, seconds{3600}},
        {"feed_disconnected", "a feed not live", S::Critical, 0, seconds{30}},
        {"symbol_silent",
            "a symbol without trades for THRESHOLD times its usual time between them (and a "
            "minute at least)",
            S::Warning, 30, seconds{0}},
        {"writer_failing", "a feed's writer unable to commit or to read its journal", S::Critical,
            0, seconds{30}},
        {"journal_lag", "a writer catching up on its journal for long", S::Warning, 0,
            seconds{120}},
        {"gap_detected", "more than THRESHOLD gaps not backfilled since start", S::Warning, 0,
            seconds{0}},
        {"records_quarantined", "more than THRESHOLD records quarantined since start", S::Warning,
            0, seconds{0}},
    };
}

// An exchange's announced maintenance: while it lasts, its feed's alerts (disconnected, symbol
// silent, gaps) stay quiet.
struct MaintenanceWindow
{
    using Time = std::chrono::system_clock::time_point;

    std::string feed;
    Time from;
    Time to;
    std::string note; // the announcement, for the alert's message

    bool covers(const std::string &name, Time now) const
    {
        return name == feed && from <= now && now < to;
    }
};

// The [alerts] section of the config file: the rules over their defaults, where else alerts go
// besides the console and the log, and the maintenance windows announced.
struct AlertSettings
{
    std::vector<AlertRule> rules = defaultAlertRules();
    std::string webhook; // an http(s) URL that gets each fired and resolved alert as JSON
    std::vector<MaintenanceWindow> maintenance;
};

// One rule's verdict on one subject (a standby, a slot, a disk, a feed; empty for the server).
struct AlertCondition
{
    std::string rule;
    std::string subject;
    bool breached = false;
    AlertSeverity severity = AlertSeverity::Warning;
    std::string message; // what is wrong, with the figure and the threshold
};

struct Alert
{
    using Time = std::chrono::system_clock::time_point;

    std::string rule;
    std::string subject;
    AlertSeverity severity = AlertSeverity::Warning;
    std::string message;
    Time firstSeen; // when it fired
    Time lastSeen;
    std::optional<Time> resolvedAt;
    std::string acknowledgedBy; // empty: not acknowledged
    std::string note;

    bool active() const { return !resolvedAt; }
};

} // namespace tickscope::model
