// Storage policies as desired state (from the [policies] section of the config file, or the
// console), and one setting's desired value against what the database has.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

// A whole number of one unit, as PostgreSQL writes intervals: "7 days", "1 year".
struct PolicyInterval
{
    enum class Unit { Seconds, Minutes, Hours, Days, Weeks, Months, Years };
    std::int64_t count = 0;
    Unit unit = Unit::Days;

    std::string text() const
    {
        static constexpr const char *kNames[]
            = {"second", "minute", "hour", "day", "week", "month", "year"};
        return std::to_string(count) + ' ' + kNames[static_cast<int>(unit)]
            + (count == 1 ? "" : "s");
    }
    // In seconds, with a month of 30 days and a year of 365.25, as PostgreSQL reckons them.
    double seconds() const
    {
        static constexpr double kSeconds[]
            = {1, 60, 3600, 86'400, 7 * 86'400, 30 * 86'400, 365.25 * 86'400};
        return static_cast<double>(count) * kSeconds[static_cast<int>(unit)];
    }
    bool operator==(const PolicyInterval &) const = default;
};

struct HypertablePolicy
{
    std::string hypertable; // trades, book_snapshots, book_deltas (schema market_data)
    PolicyInterval chunkInterval{1, PolicyInterval::Unit::Days};
    std::optional<PolicyInterval> compressAfter; // none: never compressed
    std::optional<PolicyInterval> dropAfter; // none: kept for ever
};

// An exchange (every symbol) or one of its symbols whose raw data outlives drop_after.
struct ComplianceHold
{
    std::string exchange;
    std::optional<std::string> symbol;
    bool operator==(const ComplianceHold &) const = default;
};

struct StoragePolicy
{
    // The request: compressed after 7 days, raw data dropped after a year, 7 years under hold.
    std::vector<HypertablePolicy> hypertables{
        {"trades", {1, PolicyInterval::Unit::Days}, PolicyInterval{7, PolicyInterval::Unit::Days},
            PolicyInterval{1, PolicyInterval::Unit::Years}},
        {"book_snapshots", {1, PolicyInterval::Unit::Days},
            PolicyInterval{7, PolicyInterval::Unit::Days},
            PolicyInterval{1, PolicyInterval::Unit::Years}},
        {"book_deltas", {1, PolicyInterval::Unit::Days},
            PolicyInterval{7, PolicyInterval::Unit::Days},
            PolicyInterval{1, PolicyInterval::Unit::Years}},
    };
    std::vector<ComplianceHold> holds;
    PolicyInterval holdFor{7, PolicyInterval::Unit::Years};
    PolicyInterval refreshEvery{1, PolicyInterval::Unit::Minutes}; // the aggregates' refresh job
    // How far back the TSL edition's continuous-aggregate policies look on each run (at least
    // three buckets of each level); older late data is refreshed from the queue.
    PolicyInterval refreshWindow{6, PolicyInterval::Unit::Hours};
    // The TSL edition compresses the 1m and 5m aggregates (nearly all their rows) after this.
    std::optional<PolicyInterval> aggregateCompressAfter
        = PolicyInterval{30, PolicyInterval::Unit::Days};
    PolicyInterval retentionEvery{1, PolicyInterval::Unit::Hours}; // the retention job
    PolicyInterval sampleEvery{1, PolicyInterval::Unit::Hours}; // storage sizes for the console
};

// One setting: what the policy wants, what the database has, and whether they agree.
struct PolicySetting
{
    enum class State { Matches, Differs, Unavailable };
    std::string name; // "trades.compress_after"
    std::string desired;
    std::string actual; // "none" when the database has nothing
    State state = State::Matches;
    std::string note; // why it is unavailable on this server, and what to do instead
};

inline const char *stateName(PolicySetting::State state)
{
    switch (state) {
    case PolicySetting::State::Matches:
        return "ok";
    case PolicySetting::State::Differs:
        return "differs";
    case PolicySetting::State::Unavailable:
        break;
    }
    return "unavailable";
}

} // namespace tickscope::model
