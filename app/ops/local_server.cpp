#include "app/ops/local_server.h"

#include "app/ops/pg_installation.h"
#include "db/connection.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryFile>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <format>
#include <pqxx/pqxx>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tickscope::ops {

namespace {

constexpr int kProgramTimeoutMs = 120'000;

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

} // namespace

QStringList preloadSettings(model::TimescaleEdition edition)
{
    // The TSL build is made without telemetry (scripts/timescaledb-tsl): it has no such setting.
    const QString editionLine = edition == model::TimescaleEdition::Timescale
        ? QStringLiteral("timescaledb.license = 'timescale'")
        : QStringLiteral("timescaledb.telemetry_level = off");
    return {QStringLiteral("shared_preload_libraries = 'timescaledb,pg_cron'"), editionLine,
        QStringLiteral("cron.database_name = '%1'").arg(LocalServer::kDatabaseName),
        QStringLiteral("cron.use_background_workers = on"),
        QStringLiteral("max_worker_processes = 32")};
}

QString generatePassword()
{
    QByteArray bytes(24, Qt::Uninitialized);
    QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

std::expected<void, QString> writePrivateFile(
    const QString &path, const QByteArray &contents, QFile::Permissions permissions)
{
    QFile file{path};
    if ((file.exists() && !file.setPermissions(permissions))
        || !file.open(QIODevice::WriteOnly | QIODevice::Truncate, permissions)
        || file.write(contents) < 0)
        return std::unexpected(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    return {};
}

QString lastLines(const QString &path, int lines)
{
    QFile file{path};
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QStringList all = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    return all.mid(std::max<qsizetype>(0, all.size() - lines)).join(u'\n');
}

bool loopbackPortIsFree(int port)
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, static_cast<quint16>(port));
}

std::optional<int> freeLoopbackPort()
{
    for (int attempt = 0; attempt < 10; ++attempt) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0))
            return std::nullopt;
        if (probe.serverPort() != 5432)
            return probe.serverPort();
    }
    return std::nullopt;
}

QStringList asServerUser(const QStringList &command)
{
    if (!runningAsRoot())
        return command;
    return QStringList{QStringLiteral("runuser"), QStringLiteral("-u"),
               QString::fromLatin1(kServerUser), QStringLiteral("--")}
    + command;
}

QString conninfoValue(const QString &value)
{
    static const QRegularExpression plain{QStringLiteral(R"(^[A-Za-z0-9_./:@-]+$)")};
    if (plain.match(value).hasMatch())
        return value;
    QString escaped = value;
    escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'\'', QStringLiteral("\\'"));
    return u'\'' + escaped + u'\'';
}

LocalServer::LocalServer(QString directory)
    : m_directory(QDir(directory).absolutePath())
{ }

QString LocalServer::defaultDirectory()
{
    const QString overridden = qEnvironmentVariable("TICKSCOPE_LOCAL_DB_DIR");
    if (!overridden.isEmpty())
        return overridden;
    return dataRoot() + QStringLiteral("/local-db");
}

QString dataRoot()
{
    if (runningAsRoot())
        return QStringLiteral("/var/lib/tickscope");
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/tickscope");
}

QString LocalServer::dataDirectory() const
{
    return m_directory + QStringLiteral("/data");
}

QString LocalServer::socketDirectory() const
{
    // sun_path holds 108 bytes, and the server adds "/.s.PGSQL.NNNNN" and a lock file's ".lock".
    const QString directory = m_directory + QStringLiteral("/run");
    return directory.toLocal8Bit().size() <= 80 ? directory : QString();
}

QString LocalServer::socketSetting() const
{
    return QStringLiteral("unix_socket_directories = '%1'").arg(socketDirectory());
}

QString LocalServer::settingsFile() const
{
    return dataDirectory() + QStringLiteral("/tickscope.conf");
}

int LocalServer::configuredPort() const
{
    QFile file{settingsFile()};
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    static const QRegularExpression portLine{
        QStringLiteral(R"(^\s*port\s*=\s*(\d+))"), QRegularExpression::MultilineOption};
    const auto match = portLine.match(QString::fromUtf8(file.readAll()));
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

std::expected<void, QString> LocalServer::writeSettings(
    int port, const QStringList &extraSettings) const
{
    QStringList lines{
        QStringLiteral("# Written by Tickscope; `tickscope local-db start --port P` rewrites it."),
        QStringLiteral("listen_addresses = '127.0.0.1'"),
        QStringLiteral("port = %1").arg(port),
        socketSetting(),
        QStringLiteral("max_connections = 50"),
        QStringLiteral("shared_buffers = '256MB'"),
        QStringLiteral("max_wal_size = '4GB'"),
        QStringLiteral("wal_compression = lz4"),
        QStringLiteral("log_line_prefix = '%m [%p] %q%u@%d '"),
        // A standby reports its replay position to the primary (the Replication page's lag)
        // every second instead of every ten; a primary ignores it.
        QStringLiteral("wal_receiver_status_interval = '1s'"),
    };
    lines += preloadSettings(edition());
    lines += extraSettings;
    if (auto written = writePrivateFile(settingsFile(), lines.join(u'\n').toUtf8() + '\n',
            QFile::ReadOwner | QFile::WriteOwner);
        !written)
        return written;
    return handToServerUser(settingsFile());
}

std::expected<void, QString> LocalServer::handToServerUser(const QString &path) const
{
    if (!runningAsRoot())
        return {};
    const passwd *user = ::getpwnam(kServerUser);
    if (!user)
        return std::unexpected(QStringLiteral(
            "running as root, but there is no \"postgres\" user to run PostgreSQL as (it "
            "refuses root); install postgresql-common or run Tickscope as a normal user"));
    const std::filesystem::path top{path.toStdString()};
    for (auto parent = top.parent_path(); parent != parent.root_path();
        parent = parent.parent_path()) {
        struct stat info = {};
        const bool traversable = ::stat(parent.c_str(), &info) == 0
            && ((info.st_mode & S_IXOTH)
                || (info.st_uid == user->pw_uid && (info.st_mode & S_IXUSR)));
        if (!traversable) {
            // Name the owner: a directory left by an earlier postgres user (another uid, after
            // the system's users were renumbered) reads as someone else's.
            const passwd *owner = ::getpwuid(info.st_uid);
            return std::unexpected(
                QStringLiteral("the postgres user (uid %1), which runs the server for root, cannot "
                               "enter %2 (owner %3, mode %4); choose a directory whose parents "
                               "others may enter (chmod o+x), or hand it to postgres (chown -R "
                               "postgres:postgres) if it holds this server's data")
                    .arg(user->pw_uid)
                    .arg(QString::fromStdString(parent.string()),
                        owner ? QString::fromLocal8Bit(owner->pw_name)
                              : QStringLiteral("uid %1").arg(info.st_uid))
                    .arg(info.st_mode & 07777, 4, 8, QLatin1Char('0')));
        }
    }
    std::error_code error;
    auto chownOne = [&](const std::filesystem::path &p) {
        return ::lchown(p.c_str(), user->pw_uid, user->pw_gid) == 0;
    };
    if (!chownOne(top))
        return std::unexpected(QStringLiteral("cannot hand %1 to the postgres user").arg(path));
    if (std::filesystem::is_directory(top)) {
        for (const auto &entry : std::filesystem::recursive_directory_iterator(top, error)) {
            if (!chownOne(entry.path()))
                return std::unexpected(QStringLiteral("cannot hand %1 to the postgres user")
                        .arg(QString::fromStdString(entry.path().string())));
        }
    }
    return {};
}

std::expected<QString, QString> LocalServer::runServerProgram(
    const QString &program, const QStringList &arguments) const
{
    const auto installation = findPgInstallation(edition());
    if (!installation)
        return std::unexpected(installation.error());
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_directory);
    const QStringList command
        = asServerUser(QStringList{installation->program(program)} + arguments);
    process.start(command.front(), command.mid(1));
    if (!process.waitForStarted() || !process.waitForFinished(kProgramTimeoutMs))
        return std::unexpected(
            QStringLiteral("%1 did not run: %2").arg(program, process.errorString()));
    const QString output = QString::fromLocal8Bit(process.readAll()).trimmed();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return std::unexpected(QStringLiteral("%1 failed (exit %2): %3")
                .arg(program)
                .arg(process.exitCode())
                .arg(output));
    return output;
}

std::expected<bool, QString> LocalServer::claimDirectory() const
{
    const QFileInfo info{m_directory};
    if (info.exists() && !info.isDir())
        return std::unexpected(QStringLiteral("%1 is a file, not a directory").arg(m_directory));
    if (info.exists()
        && !QDir(m_directory)
            .isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        return std::unexpected(QStringLiteral("%1 is not empty; the cluster goes into a new or "
                                              "empty directory (it takes all it holds as its own)")
                .arg(m_directory));
    const bool created = !info.exists();
    if (created && !QDir().mkpath(m_directory))
        return std::unexpected(QStringLiteral("cannot create %1").arg(m_directory));
    if (!QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
        return std::unexpected(QStringLiteral("cannot make %1 private").arg(m_directory));
    return created;
}

void LocalServer::releaseDirectory(bool created) const
{
    QDir directory{m_directory};
    if (created) {
        directory.removeRecursively();
        return;
    }
    for (const QFileInfo &entry : directory.entryInfoList(
             QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System)) {
        if (entry.isDir() && !entry.isSymLink())
            QDir(entry.filePath()).removeRecursively();
        else
            QFile::remove(entry.filePath());
    }
}

std::expected<void, QString> LocalServer::init(
    int port, const QStringList &extraSettings, model::TimescaleEdition edition)
{
    if (port < 1024 || port > 65535)
        return std::unexpected(QStringLiteral("port %1 is out of range 1024..65535").arg(port));
    if (QFile::exists(dataDirectory() + QStringLiteral("/PG_VERSION")))
        return std::unexpected(
            QStringLiteral("a database cluster already exists in %1; start it with "
                           "`tickscope local-db start`, or choose another --data-dir")
                .arg(m_directory));
    if (const auto installation = findPgInstallation(edition); !installation)
        return std::unexpected(installation.error());
    const auto created = claimDirectory();
    if (!created)
        return std::unexpected(created.error());
    auto made = initClaimed(port, extraSettings, edition);
    if (!made)
        releaseDirectory(*created); // what a failed init made, and nothing else
    return made;
}

std::expected<void, QString> LocalServer::initClaimed(
    int port, const QStringList &extraSettings, model::TimescaleEdition edition)
{
    if (auto written = writePrivateFile(editionFile(), editionOption(edition).toUtf8() + '\n',
            QFile::ReadOwner | QFile::WriteOwner);
        !written)
        return written;
    const QString password = generatePassword();
    if (auto written = writePrivateFile(passfile(),
            QStringLiteral("*:*:*:%1:%2\n").arg(kSuperuser, password).toUtf8(),
            QFile::ReadOwner | QFile::WriteOwner);
        !written)
        return written;

    // initdb reads the password from a file of its own, removed right after.
    const QString initialPassword = m_directory + QStringLiteral("/initdb-password");
    if (auto written = writePrivateFile(
            initialPassword, password.toUtf8(), QFile::ReadOwner | QFile::WriteOwner);
        !written)
        return written;
    if (auto handed = handToServerUser(m_directory); !handed)
        return handed;
    const auto initdb = runServerProgram(QStringLiteral("initdb"),
        {QStringLiteral("--pgdata=") + dataDirectory(), QStringLiteral("--username=") + kSuperuser,
            QStringLiteral("--pwfile=") + initialPassword, QStringLiteral("--auth=scram-sha-256"),
            QStringLiteral("--encoding=UTF8"), QStringLiteral("--locale=C.UTF-8"),
            QStringLiteral("--data-checksums")});
    QFile::remove(initialPassword);
    if (!initdb)
        return std::unexpected(initdb.error());

    QFile conf{dataDirectory() + QStringLiteral("/postgresql.conf")};
    if (!conf.open(QIODevice::Append) || conf.write("\ninclude_if_exists = 'tickscope.conf'\n") < 0)
        return std::unexpected(QStringLiteral("cannot extend %1").arg(conf.fileName()));
    conf.close();
    return writeSettings(port, extraSettings);
}

std::expected<void, QString> LocalServer::updateSettings(int port) const
{
    QFile file{settingsFile()};
    if (!file.open(QIODevice::ReadOnly))
        return std::unexpected(QStringLiteral("cannot read %1").arg(settingsFile()));
    const QString before = QString::fromUtf8(file.readAll());
    file.close();
    QString settings = before;
    static const QRegularExpression portLine{
        QStringLiteral(R"(^port = \d+$)"), QRegularExpression::MultilineOption};
    settings.replace(portLine, QStringLiteral("port = %1").arg(port));
    // A cluster restored or copied from another directory gets a socket in its own.
    static const QRegularExpression socketLine{
        QStringLiteral(R"(^unix_socket_directories = .*$)"), QRegularExpression::MultilineOption};
    settings.replace(socketLine, socketSetting());
    // Clusters made before pg_cron was preloaded get it on their next start.
    static const QRegularExpression oldPreloadLines{
        QStringLiteral(
            "^shared_preload_libraries = 'timescaledb'\\ntimescaledb.telemetry_level = off$"),
        QRegularExpression::MultilineOption};
    settings.replace(oldPreloadLines, preloadSettings(edition()).join(u'\n'));
    if (settings == before)
        return {};
    if (auto written
        = writePrivateFile(settingsFile(), settings.toUtf8(), QFile::ReadOwner | QFile::WriteOwner);
        !written)
        return written;
    return handToServerUser(settingsFile());
}

std::expected<bool, QString> LocalServer::start(std::optional<int> port)
{
    LocalServerState current = state();
    if (!current.initialized)
        return std::unexpected(QStringLiteral("no database cluster in %1; create one with "
                                              "`tickscope local-db init`")
                .arg(m_directory));
    if (current.running) {
        if (port && *port != current.port)
            return std::unexpected(QStringLiteral("already running on port %1 (pid %2); stop it "
                                                  "first to move it to port %3")
                    .arg(current.port)
                    .arg(current.pid)
                    .arg(*port));
        return false;
    }
    if (port && *port != current.port) {
        if (*port < 1024 || *port > 65535)
            return std::unexpected(
                QStringLiteral("port %1 is out of range 1024..65535").arg(*port));
        current.port = *port;
    }
    if (auto updated = updateSettings(current.port); !updated)
        return std::unexpected(updated.error());
    if (const QString socket = socketDirectory(); !socket.isEmpty()) {
        if (!QDir().mkpath(socket)
            || !QFile::setPermissions(
                socket, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
            return std::unexpected(QStringLiteral("cannot create %1").arg(socket));
        if (auto handed = handToServerUser(socket); !handed)
            return std::unexpected(handed.error());
    }
    if (!loopbackPortIsFree(current.port))
        return std::unexpected(
            QStringLiteral("port %1 on 127.0.0.1 is already in use by another program; choose "
                           "another with --port")
                .arg(current.port));

    const QString logFile = m_directory + QStringLiteral("/server.log");
    const auto started = runServerProgram(QStringLiteral("pg_ctl"),
        {QStringLiteral("start"), QStringLiteral("--wait"), QStringLiteral("--timeout=120"),
            QStringLiteral("--pgdata=") + dataDirectory(), QStringLiteral("--log=") + logFile});
    if (!started)
        return std::unexpected(started.error() + QStringLiteral("\nlast lines of ") + logFile
            + QStringLiteral(":\n") + lastLines(logFile, 15));
    if (auto database = ensureDatabase(); !database)
        return std::unexpected(database.error());
    return true;
}

std::expected<bool, QString> LocalServer::stop()
{
    if (!state().running)
        return false;
    const auto stopped = runServerProgram(QStringLiteral("pg_ctl"),
        {QStringLiteral("stop"), QStringLiteral("--wait"), QStringLiteral("--mode=fast"),
            QStringLiteral("--timeout=120"), QStringLiteral("--pgdata=") + dataDirectory()});
    if (!stopped)
        return std::unexpected(stopped.error());
    return true;
}

std::expected<bool, QString> LocalServer::prepareCopyOf(const LocalServer &source) const
{
    const auto created = claimDirectory();
    if (!created)
        return created;
    constexpr auto kPrivate = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
    if (!QDir().mkpath(dataDirectory()) || !QFile::setPermissions(dataDirectory(), kPrivate)
        || !QFile::copy(source.passfile(), passfile())
        || (QFile::exists(source.editionFile())
            && !QFile::copy(source.editionFile(), editionFile()))) {
        releaseDirectory(*created);
        return std::unexpected(QStringLiteral("cannot prepare %1 for a copy of %2")
                .arg(m_directory, source.directory()));
    }
    if (auto handed = handToServerUser(m_directory); !handed) {
        releaseDirectory(*created);
        return std::unexpected(handed.error());
    }
    return created;
}

std::expected<void, QString> LocalServer::restart()
{
    if (auto stopped = stop(); !stopped)
        return std::unexpected(stopped.error());
    if (auto started = start(); !started)
        return std::unexpected(started.error());
    return {};
}

LocalServerState LocalServer::state() const
{
    LocalServerState state;
    state.directory = m_directory;
    state.logFile = m_directory + QStringLiteral("/server.log");
    state.initialized = QFile::exists(dataDirectory() + QStringLiteral("/PG_VERSION"));
    if (!state.initialized)
        return state;
    state.port = configuredPort();
    state.conninfo = conninfo();
    state.edition = edition();
    // postmaster.pid's first line is the pid; a stale file (after a crash) names a dead process.
    QFile pidFile{dataDirectory() + QStringLiteral("/postmaster.pid")};
    if (pidFile.open(QIODevice::ReadOnly)) {
        const qint64 pid = pidFile.readLine().trimmed().toLongLong();
        if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) {
            state.running = true;
            state.pid = pid;
        }
    }
    return state;
}

model::TimescaleEdition LocalServer::edition() const
{
    QFile file{editionFile()};
    if (!file.open(QIODevice::ReadOnly))
        return model::TimescaleEdition::Apache;
    return parseEditionOption(QString::fromUtf8(file.readAll()).trimmed())
        .value_or(model::TimescaleEdition::Apache);
}

QString LocalServer::conninfo(const QString &database, const QString &user) const
{
    // The port is anyone's to listen on while the server is down: require_auth makes libpq
    // refuse a listener that asks for the password itself (cleartext or MD5) instead of proving
    // it knows it (SCRAM, which initdb set up).
    return QStringLiteral(
        "host=127.0.0.1 port=%1 dbname=%2 user=%3 passfile=%4 require_auth=scram-sha-256")
        .arg(configuredPort())
        .arg(conninfoValue(database), user, conninfoValue(passfile()));
}

std::expected<void, QString> LocalServer::ensureLoginRoles() const
{
    // The console's monitors log in as the operator and act as tickscope_admin, which reads the
    // server's statistics for them (pg_monitor): never as the superuser.
    return ensureLogins(
        {{kIngestUser, "IN ROLE tickscope_ingest"}, {kReaderUser, "IN ROLE tickscope_reader"},
            {kAdminUser, "IN ROLE tickscope_admin"}},
        "GRANT pg_monitor TO tickscope_admin");
}

std::expected<void, QString> LocalServer::ensureReplicationLogin() const
{
    return ensureLogins({{kReplicationUser, "REPLICATION"}}, {});
}

std::expected<void, QString> LocalServer::ensureLogins(
    std::initializer_list<std::pair<QString, const char *>> logins,
    const std::string &thenRun) const
{
    QFile file{passfile()};
    if (!file.open(QIODevice::ReadOnly))
        return std::unexpected(
            QStringLiteral("cannot read %1: %2").arg(passfile(), file.errorString()));
    QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    file.close();
    try {
        auto connection = db::connect(conninfo().toStdString(), "local-db");
        pqxx::nontransaction tx{connection};
        bool added = false;
        for (const auto &[user, attributes] : logins) {
            const QString prefix = QStringLiteral("*:*:*:%1:").arg(user);
            auto line = std::ranges::find_if(
                lines, [&](const QString &entry) { return entry.startsWith(prefix); });
            if (line == lines.end()) {
                lines << prefix + generatePassword();
                line = lines.end() - 1;
                added = true;
            }
            const std::string name = tx.quote_name(user.toStdString());
            // The server gets a SCRAM verifier, never the password: no log or statistics view
            // can show the statement with it.
            const std::string password = tx.quote(connection.encrypt_password(
                user.toStdString(), line->mid(prefix.size()).toStdString(), "scram-sha-256"));
            if (tx.exec(
                      "SELECT 1 FROM pg_roles WHERE rolname = $1", pqxx::params{user.toStdString()})
                    .empty())
                tx.exec(
                    std::format("CREATE ROLE {} LOGIN PASSWORD {} {}", name, password, attributes));
            else
                tx.exec(std::format("ALTER ROLE {} LOGIN PASSWORD {}", name, password));
        }
        if (!thenRun.empty())
            tx.exec(thenRun);
        if (added) {
            if (auto written = writePrivateFile(passfile(), lines.join(u'\n').toUtf8() + '\n',
                    QFile::ReadOwner | QFile::WriteOwner);
                !written)
                return written;
        }
        return {};
    } catch (const std::exception &error) {
        return std::unexpected(QStringLiteral("making the login roles of the embedded database "
                                              "failed: %1")
                .arg(QString::fromUtf8(error.what())));
    }
}

std::expected<void, QString> LocalServer::ensureDatabase() const
{
    try {
        auto connection
            = db::connect(conninfo(QStringLiteral("postgres")).toStdString(), "local-db");
        pqxx::nontransaction tx{connection};
        if (tx.exec("SELECT 1 FROM pg_database WHERE datname = $1",
                  pqxx::params{kDatabaseName.toStdString()})
                .empty())
            tx.exec("CREATE DATABASE " + tx.quote_name(kDatabaseName.toStdString()));
        return {};
    } catch (const std::exception &error) {
        return std::unexpected(QStringLiteral("the server started, but creating the %1 database "
                                              "failed: %2")
                .arg(kDatabaseName, QString::fromUtf8(error.what())));
    }
}

} // namespace tickscope::ops
