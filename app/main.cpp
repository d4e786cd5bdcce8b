// tickscope: the console, and the same services headless as subcommands.
#include "app/cli/cli.h"
#include "app/commands/command_registry.h"

#include <QCoreApplication>
#include <algorithm>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

namespace {

// Journals, feeds, database connections and the HTTP endpoint's clients all take descriptors,
// and a soft limit of 1024 under a far higher hard one is common (systemd's default). Qt and
// libpq wait with poll(), never select(), so descriptors past 1024 are safe.
void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max)
        return;
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 65'536);
    setrlimit(RLIMIT_NOFILE, &limit);
}

void describeApplication()
{
    QCoreApplication::setOrganizationName(QStringLiteral("tickscope"));
    QCoreApplication::setApplicationName(QStringLiteral("tickscope"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TICKSCOPE_VERSION));
}

} // namespace

int main(int argc, char **argv)
{
    describeApplication();
    raiseDescriptorLimit();
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const QString command
        = arguments.size() > 1 && !arguments.at(1).startsWith(u'-') ? arguments.at(1) : QString();

    using namespace tickscope::app;
    if (const Command *subcommand = findCommand(command)) {
        QCoreApplication application{argc, argv};
        return subcommand->run(arguments);
    }
    return runConsoleCommand(argc, argv, arguments);
}
