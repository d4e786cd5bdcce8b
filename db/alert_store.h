// audit.alerts: the history of fired alerts, written by the alert monitor as they fire and
// resolve, acknowledged from the console (each acknowledgement also an operator action), and
// read back for the alerts panel's history.
#pragma once

#include "app/model/alert.h"
#include "db/operator_actions.h"

#include <pqxx/connection>
#include <vector>

namespace tickscope::db {

// A fired alert; an open one of the same rule and subject (left by a monitor that stopped) is
// closed first, as resolved when this one fired.
void recordFired(pqxx::connection &connection, const model::Alert &alert);
void recordResolved(pqxx::connection &connection, const model::Alert &alert);
// The open alert of `rule` and `subject`; false when there is none.
bool acknowledgeAlert(pqxx::connection &connection, const Operator &by, const std::string &note,
    const model::Alert &alert);

// The newest `limit` alerts, open or resolved, newest first.
std::vector<model::Alert> recentAlerts(pqxx::connection &connection, int limit);

} // namespace tickscope::db
