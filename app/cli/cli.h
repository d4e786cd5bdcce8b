// What every subcommand shares: parsing with clear usage errors, exit codes, output helpers.
#pragma once

#include <QCommandLineParser>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace tickscope::app::cli {

enum ExitCode : int {
    kSuccess = 0,
    kFailure = 1, // the command ran and failed
    kUsage = 2, // bad arguments
    // `local-db status` and `local-db cluster status`, as pg_ctl status has them.
    kNotRunning = 3,
    kNotInitialized = 4,
};

// Sets the description that --help prints and adds -h/--help.
void describe(QCommandLineParser &parser, const QString &description);

// Parses `arguments` (argv as given), which may hold at most `positionals` positional arguments
// after the command's name. Returns an exit code when the command should end now: after --help
// (0), whose usage line reads "tickscope <command> <syntax> [options]", or after a usage error
// that it has printed (2).
std::optional<int> parse(QCommandLineParser &parser, const QStringList &arguments,
    const QString &command, const QString &syntax = {}, qsizetype positionals = 0);

// Prints "tickscope <command>: message" and a hint to --help to stderr; returns kUsage.
int usageError(const QString &command, const QString &message);
// Prints "tickscope <command>: message" to stderr; returns kFailure.
int failure(const QString &command, const QString &message);
// Prints "tickscope <command>: message" to stderr: progress that stays out of the output.
void note(const QString &command, const QString &message);

// An integer option within [min, max]; prints the usage error itself and yields nullopt on error.
std::optional<int> intOption(const QCommandLineParser &parser, const QString &name, int min,
    int max, const QString &command);

// A time option in parseTime's forms, or `fallback` when it is not given; prints the usage error
// itself (naming the option and what is wrong with it) and yields nullopt on error.
std::optional<std::int64_t> timeOption(const QCommandLineParser &parser, const QString &name,
    const QString &command, std::optional<std::int64_t> fallback = std::nullopt);

void print(const QString &text);

// "2026-11-30T12:00:00Z", "2026-11-30 12:00:00.250", "2026-11-30": ns since the epoch; a time
// without a zone is UTC. Otherwise why not, naming the text: none of these forms, or outside
// 1970-01-01 .. 2262-03-31 (where nanoseconds and their differences fit in 64 bits).
std::expected<std::int64_t, QString> parseTime(const QString &text);

} // namespace tickscope::app::cli
