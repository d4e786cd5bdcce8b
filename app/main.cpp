// tickscope: the console, and the same services headless as subcommands.
#include "app/cli.h"
#include "app/commands.h"

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
    if (command == QLatin1String("local-db")) {
        QCoreApplication application{argc, argv};
        return runLocalDbCommand(arguments);
    }
    if (command == QLatin1String("migrate")) {
        QCoreApplication application{argc, argv};
        return runMigrateCommand(arguments);
    }
    if (command == QLatin1String("ingest")) {
        QCoreApplication application{argc, argv};
        return runIngestCommand(arguments);
    }
    if (command == QLatin1String("replay")) {
        QCoreApplication application{argc, argv};
        return runReplayCommand(arguments);
    }
    if (command == QLatin1String("sim")) {
        QCoreApplication application{argc, argv};
        return runSimCommand(arguments);
    }
    return runMainJob(argc, argv, arguments);
}
