// "os-user@host tickscope 0.1.0": who did something, for audit rows (migrations, operator actions).
#pragma once

#include "db/operator_actions.h"

#include <string>

namespace tickscope::app {

std::string clientIdentity();

// The OS user and host, for audit.operator_actions.
db::Operator operatorIdentity();

} // namespace tickscope::app
