// The alert state machine: fed each evaluation's conditions, it fires an alert once a condition
// has held for its rule's duration, keeps its message and severity current while it holds, and
// resolves it when it no longer does - or when its subject is gone from a rule that was
// evaluated. Pure: the caller supplies the time, so tests step through durations. Used by the
// alert monitor, which owns the sinks.
#pragma once

#include "app/model/alert.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tickscope::ops {

class AlertEngine
{
public:
    using Time = model::Alert::Time;

    struct Changes
    {
        std::vector<model::Alert> fired;
        std::vector<model::Alert> resolved;
        bool empty() const { return fired.empty() && resolved.empty(); }
    };

    explicit AlertEngine(std::vector<model::AlertRule> rules);

    // A condition that is not breached clears its rule and subject; so does the absence of any
    // condition for a subject of a rule in `evaluatedRules` (a standby no longer listed).
    // Conditions of disabled rules are never breached.
    Changes evaluate(const std::vector<std::string> &evaluatedRules,
        const std::vector<model::AlertCondition> &conditions, Time now);

    std::vector<model::Alert> active() const;
    // Marks an active alert acknowledged; false when there is none such.
    bool acknowledge(
        const std::string &rule, const std::string &subject, std::string by, std::string note);

private:
    using Key = std::pair<std::string, std::string>; // rule, subject
    struct Tracked
    {
        Time breachedSince;
        bool firing = false;
        model::Alert alert;
    };

    std::map<std::string, model::AlertRule> m_rules;
    std::map<Key, Tracked> m_tracked;
};

} // namespace tickscope::ops
