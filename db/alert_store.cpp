#include "db/alert_store.h"

#include "db/sql_time.h"

#include <format>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

std::int64_t epochMicros(model::Alert::Time time)
{
    return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

model::Alert::Time fromMicros(std::int64_t micros)
{
    return model::Alert::Time{std::chrono::microseconds{micros}};
}

} // namespace

void recordFired(pqxx::connection &connection, const model::Alert &alert)
{
    pqxx::work tx{connection};
    const std::string firstSeen = timestampFromMicroseconds("$1");
    tx.exec(std::format("UPDATE audit.alerts SET resolved_at = greatest(first_seen, {}) "
                        "WHERE rule = $2 AND subject = $3 AND resolved_at IS NULL",
                firstSeen),
        pqxx::params{epochMicros(alert.firstSeen), alert.rule, alert.subject});
    tx.exec(std::format("INSERT INTO audit.alerts (rule, subject, severity, message, first_seen, "
                        "last_seen) VALUES ($2, $3, $4, $5, {}, {})",
                firstSeen, firstSeen),
        pqxx::params{epochMicros(alert.firstSeen), alert.rule, alert.subject,
            std::string(model::severityName(alert.severity)), alert.message});
    tx.commit();
}

void recordResolved(pqxx::connection &connection, const model::Alert &alert)
{
    pqxx::work tx{connection};
    tx.exec(std::format("UPDATE audit.alerts SET resolved_at = greatest(first_seen, {}), "
                        "last_seen = greatest(first_seen, {}), message = $5 "
                        "WHERE rule = $2 AND subject = $3 AND resolved_at IS NULL",
                timestampFromMicroseconds("$1"), timestampFromMicroseconds("$4")),
        pqxx::params{epochMicros(alert.resolvedAt.value_or(alert.lastSeen)), alert.rule,
            alert.subject, epochMicros(alert.lastSeen), alert.message});
    tx.commit();
}

bool acknowledgeAlert(pqxx::connection &connection, const Operator &by, const std::string &note,
    const model::Alert &alert)
{
    pqxx::work tx{connection};
    const auto updated
        = tx.exec("UPDATE audit.alerts SET acknowledged_by = $1, acknowledged_at = now(), "
                  "note = $2 WHERE rule = $3 AND subject = $4 AND resolved_at IS NULL",
            pqxx::params{by.osUser + '@' + by.host, note, alert.rule, alert.subject});
    if (updated.affected_rows() == 0)
        return false;
    recordAction(tx, by, "alert.acknowledge",
        alert.rule + (alert.subject.empty() ? "" : ":") + alert.subject,
        {{"note", note}, {"message", alert.message}}, ActionOutcome::Succeeded);
    tx.commit();
    return true;
}

std::vector<model::Alert> recentAlerts(pqxx::connection &connection, int limit)
{
    pqxx::read_transaction tx{connection};
    std::vector<model::Alert> alerts;
    for (const auto &row : tx.exec(R"(
            SELECT rule, subject, severity, message,
                   (extract(epoch FROM first_seen) * 1e6)::bigint,
                   (extract(epoch FROM last_seen) * 1e6)::bigint,
                   (extract(epoch FROM resolved_at) * 1e6)::bigint,
                   coalesce(acknowledged_by, ''), coalesce(note, '')
            FROM audit.alerts ORDER BY first_seen DESC, alert_id DESC LIMIT $1)",
             pqxx::params{limit})) {
        model::Alert alert{.rule = row[0].as<std::string>(),
            .subject = row[1].as<std::string>(),
            .severity = row[2].as<std::string>() == "critical" ? model::AlertSeverity::Critical
                                                               : model::AlertSeverity::Warning,
            .message = row[3].as<std::string>(),
            .firstSeen = fromMicros(row[4].as<std::int64_t>()),
            .lastSeen = fromMicros(row[5].as<std::int64_t>()),
            .acknowledgedBy = row[7].as<std::string>(),
            .note = row[8].as<std::string>()};
        if (!row[6].is_null())
            alert.resolvedAt = fromMicros(row[6].as<std::int64_t>());
        alerts.push_back(std::move(alert));
    }
    return alerts;
}

} // namespace tickscope::db
