// audit.operator_actions: whatever an operator did through the console or the CLI that changes
// state, with who (database user, OS user, host) and when, and how it ended.
#pragma once

#include <pqxx/transaction_base>
#include <string>
#include <utility>
#include <vector>

namespace tickscope::db {

struct Operator
{
    std::string osUser;
    std::string host;
};

enum class ActionOutcome { Started, Succeeded, Failed, Cancelled };

// Stored as a JSON object of strings.
using ActionDetail = std::vector<std::pair<std::string, std::string>>;

void recordAction(pqxx::transaction_base &tx, const Operator &by, const std::string &action,
    const std::string &target, const ActionDetail &detail, ActionOutcome outcome);

} // namespace tickscope::db
