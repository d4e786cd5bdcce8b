#include "app/ops/alert_engine.h"

#include <algorithm>
#include <set>

namespace tickscope::ops {

AlertEngine::AlertEngine(std::vector<model::AlertRule> rules)
{
    for (auto &rule : rules)
        m_rules.emplace(rule.name, std::move(rule));
}

AlertEngine::Changes AlertEngine::evaluate(const std::vector<std::string> &evaluatedRules,
    const std::vector<model::AlertCondition> &conditions, Time now)
{
    Changes changes;
    std::set<Key> breached;
    std::set<Key> cleared;
    for (const auto &condition : conditions) {
        const Key key{condition.rule, condition.subject};
        const auto rule = m_rules.find(condition.rule);
        if (!condition.breached || rule == m_rules.end() || !rule->second.enabled) {
            cleared.insert(key);
            continue;
        }
        breached.insert(key);
        auto [entry, added] = m_tracked.try_emplace(key);
        Tracked &tracked = entry->second;
        if (added)
            tracked.breachedSince = now;
        tracked.alert.rule = condition.rule;
        tracked.alert.subject = condition.subject;
        tracked.alert.severity = condition.severity;
        tracked.alert.message = condition.message;
        tracked.alert.lastSeen = now;
        if (!tracked.firing && now - tracked.breachedSince >= rule->second.duration) {
            tracked.firing = true;
            tracked.alert.firstSeen = now;
            changes.fired.push_back(tracked.alert);
        }
    }
    const std::set<std::string> evaluated(evaluatedRules.begin(), evaluatedRules.end());
    for (auto entry = m_tracked.begin(); entry != m_tracked.end();) {
        const Key &key = entry->first;
        if (breached.contains(key) || (!evaluated.contains(key.first) && !cleared.contains(key))) {
            ++entry;
            continue;
        }
        if (entry->second.firing) {
            entry->second.alert.resolvedAt = now;
            changes.resolved.push_back(entry->second.alert);
        }
        entry = m_tracked.erase(entry);
    }
    return changes;
}

std::vector<model::Alert> AlertEngine::active() const
{
    std::vector<model::Alert> alerts;
    for (const auto &[key, tracked] : m_tracked)
        if (tracked.firing)
            alerts.push_back(tracked.alert);
    std::ranges::sort(alerts, [](const model::Alert &a, const model::Alert &b) {
        return std::pair{a.severity == model::AlertSeverity::Critical ? 0 : 1, a.firstSeen}
        < std::pair{b.severity == model::AlertSeverity::Critical ? 0 : 1, b.firstSeen};
    });
    return alerts;
}

bool AlertEngine::acknowledge(
    const std::string &rule, const std::string &subject, std::string by, std::string note)
{
    const auto found = m_tracked.find({rule, subject});
    if (found == m_tracked.end() || !found->second.firing)
        return false;
    found->second.alert.acknowledgedBy = std::move(by);
    found->second.alert.note = std::move(note);
    return true;
}

} // namespace tickscope::ops
