#include "app/services/client_identity.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <pwd.h>
#include <unistd.h>

namespace tickscope::app {

db::Operator operatorIdentity()
{
    const passwd *user = ::getpwuid(::geteuid());
    return {.osUser = user ? user->pw_name : std::to_string(::geteuid()),
        .host = QSysInfo::machineHostName().toStdString()};
}

std::string clientIdentity()
{
    const auto who = operatorIdentity();
    return who.osUser + "@" + who.host + " tickscope "
        + QCoreApplication::applicationVersion().toStdString();
}

} // namespace tickscope::app
