#include "app/services/client_identity.h"

#include <QCoreApplication>
#include <QSysInfo>
#include <pwd.h>
#include <unistd.h>

namespace tickscope::app {

std::string clientIdentity()
{
    const passwd *user = ::getpwuid(::geteuid());
    const std::string userName = user ? user->pw_name : std::to_string(::geteuid());
    return userName + "@" + QSysInfo::machineHostName().toStdString() + " tickscope "
        + QCoreApplication::applicationVersion().toStdString();
}

} // namespace tickscope::app
