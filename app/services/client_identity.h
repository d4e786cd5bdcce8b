// "os-user@host tickscope 0.1.0": who did something, for audit rows (migrations, operator actions).
#pragma once

#include <string>

namespace tickscope::app {

std::string clientIdentity();

} // namespace tickscope::app
