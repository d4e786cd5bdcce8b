#include "db/operator_actions.h"

#include <pqxx/pqxx>

namespace tickscope::db {

void recordAction(pqxx::transaction_base &tx, const Operator &by, const std::string &action,
    const std::string &target, const ActionDetail &detail, ActionOutcome outcome)
{
    std::vector<std::string> keys;
    std::vector<std::string> values;
    for (const auto &[key, value] : detail) {
        keys.push_back(key);
        values.push_back(value);
    }
    static constexpr const char *kOutcomes[] = {"started", "succeeded", "failed", "cancelled"};
    tx.exec("INSERT INTO audit.operator_actions (os_user, host, action, target, detail, outcome) "
            "VALUES ($1, $2, $3, $4, jsonb_object($5::text[], $6::text[]), $7)",
        pqxx::params{by.osUser, by.host, action, target, keys, values,
            kOutcomes[static_cast<int>(outcome)]});
}

} // namespace tickscope::db
