#include "app/cli/cli.h"

#include "app/model/wall_clock.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTimeZone>
#include <cstdio>

namespace tickscope::app::cli {

void describe(QCommandLineParser &parser, const QString &description)
{
    parser.setApplicationDescription(description);
    parser.addHelpOption();
}

namespace {

QString prefix(const QString &command)
{
    return command.isEmpty() ? QStringLiteral("tickscope") : QStringLiteral("tickscope ") + command;
}

} // namespace

std::optional<int> parse(QCommandLineParser &parser, const QStringList &arguments,
    const QString &command, const QString &syntax, qsizetype positionals)
{
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    // The command's own name is the first positional argument of a subcommand.
    const QStringList given = parser.positionalArguments().mid(command.isEmpty() ? 0 : 1);
    if (parser.isSet(QStringLiteral("help"))) {
        // Qt names the program by its path (or not at all before the application object exists).
        static const QRegularExpression usageLine{
            QStringLiteral(R"(^Usage: .*$)"), QRegularExpression::MultilineOption};
        QString usage = QStringLiteral("Usage: ") + prefix(command);
        if (!syntax.isEmpty())
            usage += u' ' + syntax;
        print(parser.helpText().replace(usageLine, usage + QStringLiteral(" [options]")));
        return kSuccess;
    }
    if (given.size() > positionals)
        return usageError(command,
            command.isEmpty()
                ? QStringLiteral("unknown command '%1'").arg(given.at(positionals))
                : QStringLiteral("unexpected argument '%1'").arg(given.at(positionals)));
    return std::nullopt;
}

int usageError(const QString &command, const QString &message)
{
    std::fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", qPrintable(prefix(command)),
        qPrintable(message), qPrintable(prefix(command)));
    return kUsage;
}

int failure(const QString &command, const QString &message)
{
    note(command, message);
    return kFailure;
}

void note(const QString &command, const QString &message)
{
    std::fprintf(stderr, "%s: %s\n", qPrintable(prefix(command)), qPrintable(message));
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

std::optional<std::int64_t> timeOption(const QCommandLineParser &parser, const QString &name,
    const QString &command, std::optional<std::int64_t> fallback)
{
    if (!parser.isSet(name)) {
        if (!fallback)
            usageError(command, QStringLiteral("--%1 is required").arg(name));
        return fallback;
    }
    const auto time = parseTime(parser.value(name));
    if (!time) {
        usageError(command, QStringLiteral("--%1 %2").arg(name, time.error()));
        return std::nullopt;
    }
    return *time;
}

void print(const QString &text)
{
    std::fputs(qPrintable(text), stdout);
    if (!text.endsWith(u'\n'))
        std::fputc('\n', stdout);
    std::fflush(stdout);
}

std::expected<std::int64_t, QString> parseTime(const QString &text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    for (const auto *form :
        {"yyyy-MM-dd HH:mm:ss.zzz", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"}) {
        if (!time.isValid())
            time = QDateTime::fromString(text, QString::fromLatin1(form));
    }
    if (!time.isValid())
        return std::unexpected(
            QStringLiteral("'%1' is not an ISO 8601 time such as 2026-11-30T12:00:00Z").arg(text));
    if (time.timeSpec() == Qt::LocalTime)
        time.setTimeZone(QTimeZone::UTC);
    const qint64 ms = time.toMSecsSinceEpoch();
    if (!model::isRepresentableTime(ms))
        return std::unexpected(
            QStringLiteral("'%1' is outside 1970-01-01 .. 2262-03-31 (UTC)").arg(text));
    return ms * 1'000'000;
}

} // namespace tickscope::app::cli
