#include "app/cli.h"

#include <cstdio>

namespace tickscope::app::cli {

void describe(QCommandLineParser &parser, const QString &command, const QString &syntax,
    const QString &description)
{
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    if (!command.isEmpty())
        parser.addPositionalArgument(command, QString(), command + u' ' + syntax);
}

std::optional<int> parse(
    QCommandLineParser &parser, const QStringList &arguments, const QString &command)
{
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        print(parser.helpText());
        return kSuccess;
    }
    return std::nullopt;
}

namespace {

QString prefix(const QString &command)
{
    return command.isEmpty() ? QStringLiteral("tickscope") : QStringLiteral("tickscope ") + command;
}

} // namespace

int usageError(const QString &command, const QString &message)
{
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", qPrintable(prefix(command)),
        qPrintable(message), qPrintable(prefix(command)));
    return kUsage;
}

int failure(const QString &command, const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(prefix(command)), qPrintable(message));
    return kFailure;
}

std::optional<int> intOption(
    const QCommandLineParser &parser, const QString &name, int min, int max, const QString &command)
{
    bool ok = false;
    const QString text = parser.value(name);
    const int value = text.toInt(&ok);
    if (!ok || value < min || value > max) {
        usageError(command,
            QStringLiteral("--%1 must be a whole number from %2 to %3, not '%4'")
                .arg(name)
                .arg(min)
                .arg(max)
                .arg(text));
        return std::nullopt;
    }
    return value;
}

void print(const QString &text)
{
    std::fputs(qPrintable(text), stdout);
    if (!text.endsWith(u'\n'))
        std::fputc('\n', stdout);
    std::fflush(stdout);
}

} // namespace tickscope::app::cli
