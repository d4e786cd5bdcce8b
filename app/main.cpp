// tickscope: the console, and the same services headless as subcommands.
#include "app/cli/cli.h"
#include "app/commands/command_registry.h"

#include <QCoreApplication>
#include <spdlog/spdlog.h>

namespace {

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
