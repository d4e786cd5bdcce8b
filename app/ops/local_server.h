// The embedded default database: a PostgreSQL cluster with TimescaleDB preloaded that Tickscope
// creates and runs itself, listening on 127.0.0.1 only. `tickscope local-db` drives it, the main
// job starts it when no other database is configured, and the integration tests run throwaway
// ones through the same class.
//
// Layout of its directory: data/ (the cluster), server.log, run/ (its Unix socket, which only the
// server's user may enter: pgBackRest speaks to the server over a socket only), backup/ (the
// pgBackRest configuration and repository, once `tickscope backup setup` made them), passfile
// (libpq password file for the generated passwords of the bootstrap superuser "tickscope" and of
// the login roles; no password is ever printed), edition ("apache" or "tsl": which TimescaleDB
// build runs it; see findPgInstallation). The superuser creates the cluster and applies
// migrations; ingest logs in as tickscope_ingester (group tickscope_ingest), the console as
// tickscope_viewer (tickscope_reader), and tickscope_operator (tickscope_admin) is there for an
// operator's schema work. PostgreSQL refuses to run as root, so for root the server runs as the
// "postgres" user.
#pragma once

#include "app/model/server_capabilities.h"

#include <QFile>
#include <QString>
#include <QStringList>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace tickscope::ops {

// PostgreSQL refuses to run as root: for root, the embedded servers run as this user.
inline constexpr char kServerUser[] = "postgres";

struct LocalServerState
{
    bool initialized = false;
    bool running = false;
    qint64 pid = 0;
    int port = 0;
    QString directory;
    QString logFile;
    QString conninfo; // to the "tickscope" database
    model::TimescaleEdition edition = model::TimescaleEdition::Apache;
};

class LocalServer
{
public:
    static constexpr int kDefaultPort = 54320;
    static inline const QString kDatabaseName = QStringLiteral("tickscope");
    static inline const QString kSuperuser = QStringLiteral("tickscope");
    static inline const QString kIngestUser = QStringLiteral("tickscope_ingester");
    static inline const QString kReaderUser = QStringLiteral("tickscope_viewer");
    static inline const QString kAdminUser = QStringLiteral("tickscope_operator");
    // What a standby streams as: REPLICATION, a member of no group, so it reads no table of ours.
    static inline const QString kReplicationUser = QStringLiteral("tickscope_replicator");

    explicit LocalServer(QString directory);

    // $TICKSCOPE_LOCAL_DB_DIR when set; else dataRoot()/local-db.
    static QString defaultDirectory();

    // Creates the cluster in a new or empty directory (one that holds anything is refused: the
    // server user takes all it holds). `extraSettings` are postgresql.conf lines (tests: fsync =
    // off). It runs on `edition`'s build of TimescaleDB from then on. On failure, what it made is
    // removed again.
    std::expected<void, QString> init(int port, const QStringList &extraSettings = {},
        model::TimescaleEdition edition = model::TimescaleEdition::Apache);
    // Starts the server (on `port` when given, remembered for later) and makes sure the
    // "tickscope" database exists. Yields false when it was running already.
    std::expected<bool, QString> start(std::optional<int> port = {});
    // Yields false when it was not running.
    std::expected<bool, QString> stop();
    // Stop and start, for settings that take effect only then (archive_mode).
    std::expected<void, QString> restart();

    // Once migrations have made the group roles: the login roles, each with a password of its
    // own in the passfile (made when missing, kept otherwise).
    std::expected<void, QString> ensureLoginRoles() const;
    // The login a standby streams as (REPLICATION, no group), with its password in the passfile.
    std::expected<void, QString> ensureReplicationLogin() const;

    LocalServerState state() const;
    QString conninfo(
        const QString &database = kDatabaseName, const QString &user = kSuperuser) const;
    QString directory() const { return m_directory; }
    QString dataDirectory() const;
    // Empty when the directory's path is too long for a socket's (about 100 bytes).
    QString socketDirectory() const;
    QString passfile() const { return m_directory + QStringLiteral("/passfile"); }
    // The TimescaleDB build the cluster was made with (Apache for clusters made before editions).
    model::TimescaleEdition edition() const;

    // Makes `path` (and what is under it) the server user's, when the server runs as another
    // user than Tickscope (root); the error says what stands in the way.
    std::expected<void, QString> handToServerUser(const QString &path) const;
    // Makes this directory, which must be new or empty, ready to receive a copy of `source`'s
    // cluster (a standby, a restored backup): an empty data folder, both private, with
    // `source`'s passfile and edition, the server user's. Yields whether the directory was created
    // here (for releaseDirectory() when the copy fails).
    std::expected<bool, QString> prepareCopyOf(const LocalServer &source) const;
    // Takes the directory for a new cluster: creates it (true) or finds it empty (false), and
    // makes it private.
    std::expected<bool, QString> claimDirectory() const;
    // Removes what this server made in its directory, and the directory too when `created`.
    void releaseDirectory(bool created) const;
    // Runs a program of the PostgreSQL installation (pg_basebackup, ...) as the server's user
    // in this directory; yields what it printed.
    std::expected<QString, QString> runServerProgram(
        const QString &program, const QStringList &arguments) const;

private:
    // Creates each login (NAME, its attributes when made) that does not exist, gives each its
    // password from the passfile (generated when missing), then runs `thenRun`.
    std::expected<void, QString> ensureLogins(
        std::initializer_list<std::pair<QString, const char *>> logins,
        const std::string &thenRun) const;
    std::expected<void, QString> initClaimed(
        int port, const QStringList &extraSettings, model::TimescaleEdition edition);
    QString editionFile() const { return m_directory + QStringLiteral("/edition"); }
    QString settingsFile() const;
    QString socketSetting() const;
    int configuredPort() const;
    std::expected<void, QString> writeSettings(int port, const QStringList &extraSettings) const;
    // Sets the port, and brings the settings of a cluster made by an older build up to date.
    std::expected<void, QString> updateSettings(int port) const;
    std::expected<void, QString> ensureDatabase() const;

    QString m_directory;
};

// Where Tickscope keeps its data: /var/lib/tickscope for root, else <user data dir>/tickscope.
QString dataRoot();

bool loopbackPortIsFree(int port);

// A TCP port on 127.0.0.1 that nothing listens on now (never 5432, a real server's default);
// nullopt when there is none.
std::optional<int> freeLoopbackPort();

// `command` as it must be run to act as the server's user: through runuser for root, else as is.
QStringList asServerUser(const QStringList &command);

// Quotes a value for a libpq key=value conninfo string.
QString conninfoValue(const QString &value);

// The libraries the embedded servers preload, with their settings, as postgresql.conf lines.
// pg_cron schedules the policies that the Apache edition's TimescaleDB cannot; in background
// workers, so that its jobs log in over no socket and no password sits in a cron table.
QStringList preloadSettings(model::TimescaleEdition edition);

// 24 random bytes, base64url: the generated passwords of the embedded databases.
QString generatePassword();

// Writes `contents` to a file that has `permissions` before it holds a byte of them: created
// with them, or (already there) given them first. Passwords are never readable by others.
std::expected<void, QString> writePrivateFile(
    const QString &path, const QByteArray &contents, QFile::Permissions permissions);

// The last `lines` lines of a log file, for an error that says why a server did not start.
QString lastLines(const QString &path, int lines);

} // namespace tickscope::ops
