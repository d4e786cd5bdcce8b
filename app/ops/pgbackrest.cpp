#include "app/ops/pgbackrest.h"

#include "app/ops/local_server.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <algorithm>

namespace tickscope::ops {

namespace {

// pgBackRest's exit code when it stopped on a signal.
constexpr int kTerminatedBySignal = 63;

QString errorLines(const QString &output)
{
    // "ERROR: [056]: unable to find primary cluster" and its HINT lines; else the last lines.
    QStringList kept;
    const QStringList lines = output.split(u'\n', Qt::SkipEmptyParts);
    bool inError = false;
    for (const QString &line : lines) {
        if (line.contains(QLatin1String("ERROR:")))
            inError = true;
        else if (!line.startsWith(u' '))
            inError = false;
        if (inError)
            kept << line.trimmed();
    }
    if (kept.isEmpty())
        kept = lines.mid(std::max<qsizetype>(0, lines.size() - 5));
    return kept.join(u'\n');
}

} // namespace

PgBackRest::PgBackRest(QStringList command, QString stanza)
    : m_command(std::move(command))
    , m_stanza(std::move(stanza))
{ }

PgBackRest PgBackRest::forLocalServer(const LocalServer &server, const QString &stanza)
{
    QString program = QStandardPaths::findExecutable(QStringLiteral("pgbackrest"));
    if (program.isEmpty())
        program = QStringLiteral("pgbackrest"); // run() then says it is not installed
    // The port by environment: pgBackRest refuses a command-line option that a command (info)
    // does not take, and the port moves with `local-db start --port`.
    const QString configFile = server.directory() + QStringLiteral("/backup/pgbackrest.conf");
    PgBackRest pgbackrest{
        asServerUser({QStringLiteral("env"), QStringLiteral("PGPASSFILE=") + server.passfile(),
            QStringLiteral("PGBACKREST_PG1_PORT=%1").arg(server.state().port), program,
            QStringLiteral("--config=") + configFile}),
        stanza};
    pgbackrest.m_configFile = configFile;
    return pgbackrest;
}

std::expected<PgBackRest, QString> PgBackRest::fromTemplate(
    const QString &commandTemplate, const QString &stanza)
{
    const QStringList command = QProcess::splitCommand(commandTemplate);
    if (command.isEmpty())
        return std::unexpected(QStringLiteral("the pgBackRest command is empty"));
    if (std::ranges::any_of(command,
            [](const QString &word) { return word.startsWith(QLatin1String("--stanza")); }))
        return std::unexpected(QStringLiteral("the pgBackRest command names a stanza; set it as "
                                              "[backup] stanza instead"));
    return PgBackRest{command, stanza};
}

std::expected<QString, QString> PgBackRest::run(
    const QStringList &arguments, const Progress &progress, std::stop_token stop) const
{
    if (!m_configFile.isEmpty() && !QFile::exists(m_configFile))
        return std::unexpected(QStringLiteral("backups of the embedded database are not set up "
                                              "yet; `tickscope backup setup` (or Set up… on the "
                                              "console's Backups page) makes them"));
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(m_command.front(),
        m_command.mid(1) + QStringList{QStringLiteral("--stanza=") + m_stanza} + arguments);
    if (!process.waitForStarted())
        return std::unexpected(QStringLiteral("cannot run %1: %2 (is pgBackRest installed? "
                                              "Debian's package is pgbackrest)")
                .arg(m_command.front(), process.errorString()));
    QString output;
    QString pending;
    bool stopped = false;
    while (process.state() != QProcess::NotRunning) {
        process.waitForReadyRead(200);
        if (stop.stop_requested() && !stopped) {
            process.terminate();
            stopped = true;
        }
        pending += QString::fromLocal8Bit(process.readAll());
        qsizetype newline;
        while ((newline = pending.indexOf(u'\n')) >= 0) {
            const QString line = pending.left(newline);
            pending.remove(0, newline + 1);
            if (const auto percent = progressPercent(line); percent && progress)
                progress(*percent, line);
            // Detail lines (one per file) drive progress; the rest is the output.
            if (!line.contains(QLatin1String(" DETAIL: ")))
                output += line + u'\n';
        }
    }
    output += pending + QString::fromLocal8Bit(process.readAll());
    if (stopped)
        return std::unexpected(QStringLiteral("cancelled"));
    if (process.exitStatus() != QProcess::NormalExit)
        return std::unexpected(QStringLiteral("pgBackRest crashed:\n") + errorLines(output));
    if (process.exitCode() != 0)
        return std::unexpected(process.exitCode() == kTerminatedBySignal
                ? QStringLiteral("pgBackRest was stopped by a signal")
                : QStringLiteral("pgBackRest %1 failed (exit %2):\n%3")
                      .arg(arguments.value(0))
                      .arg(process.exitCode())
                      .arg(errorLines(output)));
    return output;
}

std::expected<void, QString> PgBackRest::backup(
    model::BackupType type, const Progress &progress, std::stop_token stop) const
{
    auto done = run({QStringLiteral("backup"),
                        QStringLiteral("--type=") + QLatin1String(model::backupTypeName(type)),
                        QStringLiteral("--log-level-console=detail")},
        progress, stop);
    if (!done)
        return std::unexpected(done.error());
    return {};
}

std::expected<void, QString> PgBackRest::verify() const
{
    // pgBackRest's verify exits 0 whatever it finds; its report says "status: error".
    auto report = run({QStringLiteral("verify"), QStringLiteral("--output=text")});
    if (!report)
        return std::unexpected(report.error());
    static const QRegularExpression damaged{
        QStringLiteral(R"(^\s*status: error\s*$)"), QRegularExpression::MultilineOption};
    if (damaged.match(*report).hasMatch())
        return std::unexpected(
            QStringLiteral("pgBackRest verify found damage:\n") + report->trimmed());
    return {};
}

std::expected<model::BackupInventory, QString> PgBackRest::info() const
{
    auto output = run({QStringLiteral("info"), QStringLiteral("--output=json")});
    if (!output)
        return std::unexpected(output.error());
    return parseBackupInventory(output->toUtf8(), m_stanza);
}

std::expected<model::BackupInventory, QString> parseBackupInventory(
    const QByteArray &json, const QString &stanza)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (!document.isArray())
        return std::unexpected(QStringLiteral("pgBackRest's info is not a JSON array: %1")
                .arg(parseError.errorString()));
    const QJsonArray stanzas = document.array();
    const auto found = std::ranges::find_if(stanzas, [&](const QJsonValue &entry) {
        return entry.toObject().value(QLatin1String("name")).toString() == stanza;
    });
    if (found == stanzas.end())
        return std::unexpected(QStringLiteral("pgBackRest knows no stanza '%1'; run "
                                              "`tickscope backup setup` first")
                .arg(stanza));
    const QJsonObject entry = (*found).toObject();
    model::BackupInventory inventory;
    inventory.stanza = stanza.toStdString();
    const QJsonObject status = entry.value(QLatin1String("status")).toObject();
    inventory.statusOk = status.value(QLatin1String("code")).toInt(-1) == 0;
    inventory.status = status.value(QLatin1String("message")).toString().toStdString();
    for (const QJsonValue &archive : entry.value(QLatin1String("archive")).toArray()) {
        const QJsonObject range = archive.toObject();
        const std::string min = range.value(QLatin1String("min")).toString().toStdString();
        const std::string max = range.value(QLatin1String("max")).toString().toStdString();
        if (inventory.walMin.empty() || (!min.empty() && min < inventory.walMin))
            inventory.walMin = min;
        inventory.walMax = std::max(inventory.walMax, max);
    }
    for (const QJsonValue &value : entry.value(QLatin1String("backup")).toArray()) {
        const QJsonObject backup = value.toObject();
        const auto type = model::backupTypeFromName(
            backup.value(QLatin1String("type")).toString().toStdString());
        const QString label = backup.value(QLatin1String("label")).toString();
        if (!type || label.isEmpty())
            return std::unexpected(
                QStringLiteral("pgBackRest's info lists a backup without a known type or label"));
        const QJsonObject timestamp = backup.value(QLatin1String("timestamp")).toObject();
        const QJsonObject info = backup.value(QLatin1String("info")).toObject();
        const QJsonObject archive = backup.value(QLatin1String("archive")).toObject();
        inventory.backups.push_back({.label = label.toStdString(),
            .type = *type,
            .startedAtUnix = timestamp.value(QLatin1String("start")).toInteger(),
            .stoppedAtUnix = timestamp.value(QLatin1String("stop")).toInteger(),
            .databaseBytes = info.value(QLatin1String("size")).toInteger(),
            .repositoryBytes = info.value(QLatin1String("repository"))
                .toObject()
                .value(QLatin1String("delta"))
                .toInteger(),
            .walStart = archive.value(QLatin1String("start")).toString().toStdString(),
            .walStop = archive.value(QLatin1String("stop")).toString().toStdString(),
            .error = backup.value(QLatin1String("error")).toBool()});
    }
    std::ranges::sort(inventory.backups, {}, &model::BackupRecord::startedAtUnix);
    return inventory;
}

std::optional<double> progressPercent(const QString &line)
{
    static const QRegularExpression pattern{QStringLiteral(R"(\(([^,()]+), (\d+(?:\.\d+)?)%\))")};
    const auto match = pattern.match(line);
    if (!match.hasMatch())
        return std::nullopt;
    return match.captured(2).toDouble();
}

} // namespace tickscope::ops
