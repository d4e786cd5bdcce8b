#include "app/ops/patroni_cluster.h"

#include "app/ops/local_server.h"
#include "app/ops/pg_installation.h"
#include "db/connection.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>
#include <csignal>
#include <grp.h>
#include <memory>
#include <pqxx/pqxx>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <vector>

namespace tickscope::ops {

namespace {

constexpr auto kPrivate = QFile::ReadOwner | QFile::WriteOwner;
constexpr auto kPrivateDirectory = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
const QString kReplicationUser = LocalServer::kReplicationUser;

// Settings PostgreSQL requires to be the same on a primary and its standbys: Patroni takes them
// from etcd (bootstrap.dcs), never from a node's own configuration.
bool clusterWide(const QString &name)
{
    static const QStringList names{QStringLiteral("max_connections"),
        QStringLiteral("max_worker_processes"), QStringLiteral("max_wal_senders"),
        QStringLiteral("max_replication_slots"), QStringLiteral("max_locks_per_transaction"),
        QStringLiteral("max_prepared_transactions"), QStringLiteral("wal_level"),
        QStringLiteral("track_commit_timestamp")};
    return names.contains(name);
}

// "name = value" lines (postgresql.conf's form, quotes optional) into Patroni's parameters.
void addSettings(const QStringList &lines, QJsonObject &local, QJsonObject &shared)
{
    for (const QString &line : lines) {
        const auto equals = line.indexOf(u'=');
        if (equals < 0)
            continue;
        const QString name = line.left(equals).trimmed();
        QString value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && value.startsWith(u'\'') && value.endsWith(u'\''))
            value = value.mid(1, value.size() - 2);
        (clusterWide(name) ? shared : local).insert(name, value);
    }
}

QString loopback(int port)
{
    return QStringLiteral("127.0.0.1:%1").arg(port);
}

// The identity the six processes run as: the server's user for root (PostgreSQL refuses root,
// and etcd's data is the cluster's), else the caller's own.
struct ChildIdentity
{
    bool switchUser = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    QString home;
};

std::expected<ChildIdentity, QString> childIdentity()
{
    ChildIdentity identity;
    if (::geteuid() != 0)
        return identity;
    const passwd *user = ::getpwnam(kServerUser);
    if (!user)
        return std::unexpected(QStringLiteral("running as root, but there is no \"%1\" user to "
                                              "run PostgreSQL as")
                .arg(QLatin1String(kServerUser)));
    identity.switchUser = true;
    identity.uid = user->pw_uid;
    identity.gid = user->pw_gid;
    identity.home = QString::fromLocal8Bit(user->pw_dir);
    int count = 32;
    identity.groups.resize(static_cast<std::size_t>(count));
    if (::getgrouplist(kServerUser, user->pw_gid, identity.groups.data(), &count) < 0) {
        identity.groups.resize(static_cast<std::size_t>(count));
        ::getgrouplist(kServerUser, user->pw_gid, identity.groups.data(), &count);
    }
    identity.groups.resize(static_cast<std::size_t>(count));
    return identity;
}

// One of the six processes the supervisor keeps running.
struct Child
{
    QString name; // "etcd2", "node1's Patroni"
    QString program;
    QStringList arguments;
    QString logFile;
    QProcess *process = nullptr;
    QElapsedTimer started;
    int restartDelayMs = 1000;
};

class Supervisor
{
public:
    Supervisor(const PatroniCluster &cluster, ChildIdentity identity)
        : m_cluster(cluster)
        , m_identity(std::move(identity))
    { }

    std::expected<void, QString> start()
    {
        const QString etcd = QStandardPaths::findExecutable(QStringLiteral("etcd"));
        const QString patroni = QStandardPaths::findExecutable(QStringLiteral("patroni"));
        if (etcd.isEmpty() || patroni.isEmpty())
            return std::unexpected(QStringLiteral("etcd and Patroni are needed (Debian's packages "
                                                  "etcd-server and patroni)"));
        QStringList peers;
        for (int member = 0; member < PatroniCluster::kMembers; ++member)
            peers << QStringLiteral("etcd%1=http://%2")
                         .arg(member + 1)
                         .arg(loopback(m_cluster.etcdPeerPort(member)));
        for (int member = 0; member < PatroniCluster::kMembers; ++member) {
            const QString directory
                = m_cluster.directory() + QStringLiteral("/etcd%1").arg(member + 1);
            const QString client
                = QStringLiteral("http://") + loopback(m_cluster.etcdClientPort(member));
            const QString peer
                = QStringLiteral("http://") + loopback(m_cluster.etcdPeerPort(member));
            m_etcd.push_back(
                std::make_unique<Child>(Child{QStringLiteral("etcd%1").arg(member + 1), etcd,
                    {QStringLiteral("--name"), QStringLiteral("etcd%1").arg(member + 1),
                        QStringLiteral("--data-dir"), directory + QStringLiteral("/data"),
                        QStringLiteral("--listen-client-urls"), client,
                        QStringLiteral("--advertise-client-urls"), client,
                        QStringLiteral("--listen-peer-urls"), peer,
                        QStringLiteral("--initial-advertise-peer-urls"), peer,
                        QStringLiteral("--initial-cluster"), peers.join(u','),
                        QStringLiteral("--initial-cluster-state"), QStringLiteral("new"),
                        QStringLiteral("--initial-cluster-token"), PatroniCluster::kScope},
                    directory + QStringLiteral("/etcd.log")}));
        }
        for (int member = 0; member < PatroniCluster::kMembers; ++member) {
            const QString directory = m_cluster.nodeDirectory(member);
            m_patroni.push_back(std::make_unique<Child>(
                Child{m_cluster.nodeName(member) + QStringLiteral("'s Patroni"), patroni,
                    {directory + QStringLiteral("/patroni.yml")},
                    directory + QStringLiteral("/patroni.log")}));
        }
        for (const auto &child : m_etcd)
            launch(*child);
        waitForEtcd();
        for (const auto &child : m_patroni)
            launch(*child);
        return {};
    }

    // Patroni first (each stops its server and gives up its leadership), then etcd.
    void stop()
    {
        m_stopping = true;
        for (auto *group : {&m_patroni, &m_etcd}) {
            for (const auto &child : *group) {
                if (child->process && child->process->state() != QProcess::NotRunning)
                    child->process->terminate();
            }
            for (const auto &child : *group) {
                if (child->process && !child->process->waitForFinished(120'000)) {
                    log(child->name + QStringLiteral(" did not stop within 120 s; killed"));
                    child->process->kill();
                    child->process->waitForFinished(5'000);
                }
            }
        }
        log(QStringLiteral("stopped"));
    }

    static void log(const QString &line)
    {
        const QByteArray text = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8()
            + ' ' + line.toUtf8() + '\n';
        [[maybe_unused]] const auto written = ::write(STDOUT_FILENO, text.constData(), text.size());
    }

private:
    void launch(Child &child)
    {
        if (child.process)
            child.process->deleteLater(); // this may run in a slot of the one that exited
        child.process = new QProcess;
        child.started.start();
        child.process->setProgram(child.program);
        child.process->setArguments(child.arguments);
        child.process->setProcessChannelMode(QProcess::MergedChannels);
        child.process->setStandardOutputFile(child.logFile, QIODevice::Append);
        child.process->setStandardInputFile(QProcess::nullDevice());
        child.process->setWorkingDirectory(m_cluster.directory());
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        if (m_identity.switchUser) {
            environment.insert(QStringLiteral("HOME"), m_identity.home);
            environment.insert(QStringLiteral("USER"), QString::fromLatin1(kServerUser));
        }
        child.process->setProcessEnvironment(environment);
        const ChildIdentity identity = m_identity;
        const pid_t supervisor = ::getpid();
        child.process->setChildProcessModifier([identity, supervisor] {
            if (identity.switchUser
                && (::setgroups(identity.groups.size(), identity.groups.data()) != 0
                    || ::setgid(identity.gid) != 0 || ::setuid(identity.uid) != 0))
                ::_exit(126);
            // A supervisor killed outright takes its children along (set after setuid, which
            // clears it).
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != supervisor)
                ::_exit(126);
        });
        QObject::connect(child.process, &QProcess::finished, child.process,
            [this, &child](int exitCode, QProcess::ExitStatus status) {
                if (m_stopping)
                    return;
                log(QStringLiteral("%1 exited (%2 %3); starting it again in %4 s")
                        .arg(child.name,
                            status == QProcess::CrashExit ? QStringLiteral("signal")
                                                          : QStringLiteral("code"))
                        .arg(exitCode)
                        .arg(child.restartDelayMs / 1000.0));
                QTimer::singleShot(child.restartDelayMs, child.process, [this, &child] {
                    if (!m_stopping)
                        launch(child);
                });
                // Doubled while it keeps failing at once, as after a bad configuration.
                child.restartDelayMs = child.started.elapsed() > 60'000
                    ? 1000
                    : std::min(child.restartDelayMs * 2, 30'000);
            });
        child.process->start();
        if (child.process->waitForStarted())
            log(QStringLiteral("started %1 (pid %2), log %3")
                    .arg(child.name)
                    .arg(child.process->processId())
                    .arg(child.logFile));
        else
            log(QStringLiteral("cannot start %1: %2")
                    .arg(child.name, child.process->errorString()));
    }

    // Patroni gives up on a DCS it cannot reach at start: the members are waited for first.
    void waitForEtcd() const
    {
        const QDeadlineTimer deadline{60'000};
        for (int member = 0; member < PatroniCluster::kMembers; ++member) {
            const QString url = QStringLiteral("http://%1/health")
                                    .arg(loopback(m_cluster.etcdClientPort(member)));
            while (!deadline.hasExpired()) {
                const auto answer = patroniRequest("GET", url, {}, {}, std::chrono::seconds(2));
                if (answer && answer->status == 200)
                    break;
                QThread::msleep(200);
            }
        }
        log(deadline.hasExpired() ? QStringLiteral("etcd is not healthy after 60 s; starting "
                                                   "Patroni anyway (it retries)")
                                  : QStringLiteral("etcd is healthy"));
    }

    const PatroniCluster &m_cluster;
    ChildIdentity m_identity;
    std::vector<std::unique_ptr<Child>> m_etcd;
    std::vector<std::unique_ptr<Child>> m_patroni;
    bool m_stopping = false;
};

// Patroni's own answer for a name it does not know is "candidate does not exists".
std::expected<void, QString> checkCandidate(const PatroniClusterView &view, const QString &name)
{
    QStringList names;
    for (const PatroniMember &member : view.members) {
        if (member.name == name)
            return member.leads() ? std::unexpected(QStringLiteral("%1 leads already").arg(name))
                                  : std::expected<void, QString>{};
        names << member.name;
    }
    return std::unexpected(QStringLiteral("no member is named '%1' (the members: %2)")
            .arg(name, names.join(QStringLiteral(", "))));
}

} // namespace

PatroniCluster::PatroniCluster(QString directory)
    : m_directory(QDir(directory).absolutePath())
{ }

QString PatroniCluster::defaultDirectory()
{
    const QString overridden = qEnvironmentVariable("TICKSCOPE_LOCAL_CLUSTER_DIR");
    if (!overridden.isEmpty())
        return overridden;
    return dataRoot() + QStringLiteral("/local-db-cluster");
}

QString PatroniCluster::nodeDirectory(int member) const
{
    return m_directory + u'/' + nodeName(member);
}

QString PatroniCluster::etcdDirectory(int member) const
{
    return m_directory + QStringLiteral("/etcd%1").arg(member + 1);
}

bool PatroniCluster::initialized() const
{
    return QFile::exists(layoutFile());
}

namespace {

QJsonObject readLayout(const QString &path)
{
    QFile file{path};
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

} // namespace

int PatroniCluster::portBase() const
{
    return readLayout(layoutFile()).value(u"port_base").toInt(kDefaultPortBase);
}

model::TimescaleEdition PatroniCluster::edition() const
{
    return parseEditionOption(readLayout(layoutFile()).value(u"edition").toString())
        .value_or(model::TimescaleEdition::Apache);
}

std::expected<void, QString> PatroniCluster::init(int portBase, model::TimescaleEdition edition,
    bool synchronous, const QStringList &extraSettings)
{
    if (portBase < 1024 || portBase + kPortsUsed - 1 > 65535)
        return std::unexpected(
            QStringLiteral("port base %1 is out of range 1024..%2 (the cluster uses %3 ports "
                           "from it)")
                .arg(portBase)
                .arg(65535 - kPortsUsed + 1)
                .arg(kPortsUsed));
    if (initialized())
        return std::unexpected(QStringLiteral("a cluster is already set up in %1; start it with "
                                              "`tickscope local-db cluster start`")
                .arg(m_directory));
    if (const auto installation = findPgInstallation(edition); !installation)
        return std::unexpected(installation.error());
    for (const char *program : {"etcd", "patroni"}) {
        if (QStandardPaths::findExecutable(QLatin1String(program)).isEmpty())
            return std::unexpected(QStringLiteral("%1 is not installed (Debian's packages "
                                                  "etcd-server and patroni)")
                    .arg(QLatin1String(program)));
    }
    const LocalServer claimer{m_directory};
    const auto created = claimer.claimDirectory();
    if (!created)
        return std::unexpected(created.error());
    auto made = initClaimed(portBase, edition, synchronous, extraSettings);
    if (!made)
        claimer.releaseDirectory(*created);
    return made;
}

std::expected<void, QString> PatroniCluster::initClaimed(int portBase,
    model::TimescaleEdition edition, bool synchronous, const QStringList &extraSettings)
{
    const QJsonObject layout{{QStringLiteral("port_base"), portBase},
        {QStringLiteral("edition"), editionOption(edition)},
        {QStringLiteral("synchronous"), synchronous}};
    if (auto written = writePrivateFile(layoutFile(), QJsonDocument(layout).toJson(), kPrivate);
        !written)
        return written;
    const QString superuserPassword = generatePassword();
    const QString replicationPassword = generatePassword();
    if (auto written = writePrivateFile(passfile(),
            QStringLiteral("*:*:*:%1:%2\n*:*:*:%3:%4\n")
                .arg(LocalServer::kSuperuser, superuserPassword, kReplicationUser,
                    replicationPassword)
                .toUtf8(),
            kPrivate);
        !written)
        return written;
    if (auto written = writePrivateFile(credentialsFile(),
            (LocalServer::kSuperuser + u':' + generatePassword()).toUtf8(), kPrivate);
        !written)
        return written;
    for (int member = 0; member < kMembers; ++member) {
        for (const QString &directory : {etcdDirectory(member), nodeDirectory(member),
                 nodeDirectory(member) + "/run", nodeDirectory(member) + "/log"}) {
            if (!QDir().mkpath(directory) || !QFile::setPermissions(directory, kPrivateDirectory))
                return std::unexpected(QStringLiteral("cannot create %1").arg(directory));
        }
        if (auto written = writeNodeConfiguration(
                member, superuserPassword, replicationPassword, synchronous, extraSettings);
            !written)
            return written;
    }
    return LocalServer{m_directory}.handToServerUser(m_directory);
}

std::expected<void, QString> PatroniCluster::writeNodeConfiguration(int member,
    const QString &superuserPassword, const QString &replicationPassword, bool synchronous,
    const QStringList &extraSettings) const
{
    const QString directory = nodeDirectory(member);
    const auto installation = findPgInstallation(edition());
    if (!installation)
        return std::unexpected(installation.error());
    // The node's directory is a LocalServer's too (data/, run/, edition), so that the server
    // programs, the socket's path and the server's state are found the same way.
    const LocalServer node{directory};
    if (node.socketDirectory().isEmpty())
        return std::unexpected(
            QStringLiteral("%1 is too long a path for a server's socket; choose a shorter "
                           "directory")
                .arg(directory));
    if (auto written = writePrivateFile(directory + QStringLiteral("/edition"),
            editionOption(edition()).toUtf8() + '\n', kPrivate);
        !written)
        return written;

    QJsonObject local{{QStringLiteral("unix_socket_directories"), node.socketDirectory()},
        {QStringLiteral("logging_collector"), QStringLiteral("on")},
        {QStringLiteral("log_directory"), directory + QStringLiteral("/log")},
        {QStringLiteral("log_filename"), QStringLiteral("server.log")},
        {QStringLiteral("log_line_prefix"), QStringLiteral("%m [%p] %q%u@%d ")},
        {QStringLiteral("shared_buffers"), QStringLiteral("256MB")},
        {QStringLiteral("max_wal_size"), QStringLiteral("4GB")},
        {QStringLiteral("wal_compression"), QStringLiteral("lz4")},
        {QStringLiteral("wal_receiver_status_interval"), QStringLiteral("1s")}};
    QJsonObject shared{{QStringLiteral("max_connections"), 100},
        {QStringLiteral("max_wal_senders"), 10}, {QStringLiteral("max_replication_slots"), 10},
        {QStringLiteral("wal_level"), QStringLiteral("replica")},
        {QStringLiteral("wal_log_hints"), QStringLiteral("on")},
        {QStringLiteral("hot_standby"), QStringLiteral("on")},
        {QStringLiteral("wal_keep_size"), QStringLiteral("1GB")}};
    addSettings(preloadSettings(edition()), local, shared);
    addSettings(extraSettings, local, shared);

    QJsonArray etcdHosts;
    for (int each = 0; each < kMembers; ++each)
        etcdHosts << loopback(etcdClientPort(each));
    const QStringList credentials = [&] {
        QFile file{credentialsFile()};
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()).split(u':')
                                              : QStringList{};
    }();
    if (credentials.size() != 2)
        return std::unexpected(QStringLiteral("cannot read %1").arg(credentialsFile()));

    const QJsonObject configuration{{QStringLiteral("scope"), kScope},
        {QStringLiteral("name"), nodeName(member)},
        {QStringLiteral("restapi"),
            QJsonObject{{QStringLiteral("listen"), loopback(apiPort(member))},
                {QStringLiteral("connect_address"), loopback(apiPort(member))},
                {QStringLiteral("authentication"),
                    QJsonObject{{QStringLiteral("username"), credentials.at(0)},
                        {QStringLiteral("password"), credentials.at(1)}}}}},
        {QStringLiteral("etcd3"), QJsonObject{{QStringLiteral("hosts"), etcdHosts}}},
        {QStringLiteral("bootstrap"),
            QJsonObject{
                {QStringLiteral("dcs"),
                    QJsonObject{{QStringLiteral("ttl"), 20}, {QStringLiteral("loop_wait"), 2},
                        {QStringLiteral("retry_timeout"), 9},
                        {QStringLiteral("maximum_lag_on_failover"), 1048576},
                        {QStringLiteral("primary_start_timeout"), 0},
                        {QStringLiteral("synchronous_mode"), synchronous},
                        {QStringLiteral("synchronous_mode_strict"), false},
                        {QStringLiteral("postgresql"),
                            QJsonObject{{QStringLiteral("use_pg_rewind"), true},
                                {QStringLiteral("use_slots"), true},
                                {QStringLiteral("parameters"), shared}}}}},
                {QStringLiteral("initdb"),
                    QJsonArray{QJsonObject{{QStringLiteral("encoding"), QStringLiteral("UTF8")}},
                        QJsonObject{{QStringLiteral("locale"), QStringLiteral("C.UTF-8")}},
                        QStringLiteral("data-checksums"),
                        QJsonObject{{QStringLiteral("auth"), QStringLiteral("scram-sha-256")}}}}}},
        {QStringLiteral("postgresql"),
            QJsonObject{{QStringLiteral("listen"), loopback(postgresPort(member))},
                {QStringLiteral("connect_address"), loopback(postgresPort(member))},
                {QStringLiteral("data_dir"), node.dataDirectory()},
                {QStringLiteral("bin_dir"), installation->binDir},
                {QStringLiteral("pgpass"), directory + QStringLiteral("/pgpass")},
                // A former leader that cannot be rewound is copied afresh rather than left out.
                {QStringLiteral("remove_data_directory_on_rewind_failure"), true},
                {QStringLiteral("remove_data_directory_on_diverged_timelines"), true},
                {QStringLiteral("authentication"),
                    QJsonObject{
                        {QStringLiteral("superuser"),
                            QJsonObject{{QStringLiteral("username"), LocalServer::kSuperuser},
                                {QStringLiteral("password"), superuserPassword}}},
                        {QStringLiteral("replication"),
                            QJsonObject{{QStringLiteral("username"), kReplicationUser},
                                {QStringLiteral("password"), replicationPassword}}}}},
                {QStringLiteral("pg_hba"),
                    QJsonArray{QStringLiteral("local all all scram-sha-256"),
                        QStringLiteral("host all all 127.0.0.1/32 scram-sha-256"),
                        QStringLiteral("host replication %1 127.0.0.1/32 scram-sha-256")
                            .arg(kReplicationUser)}},
                {QStringLiteral("parameters"), local}}}};
    // JSON is YAML: Patroni reads it as its YAML configuration.
    return writePrivateFile(directory + QStringLiteral("/patroni.yml"),
        QJsonDocument(configuration).toJson(), kPrivate);
}

std::optional<qint64> PatroniCluster::supervisorPid() const
{
    QFile file{pidFile()};
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const qint64 pid = file.readAll().trimmed().toLongLong();
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return std::nullopt;
    // A pid the system gave to another program since (the supervisor was killed outright).
    QFile commandLine{QStringLiteral("/proc/%1/cmdline").arg(pid)};
    if (!commandLine.open(QIODevice::ReadOnly) || !commandLine.readAll().contains("supervise"))
        return std::nullopt;
    return pid;
}

int PatroniCluster::supervise()
{
    ::setsid(); // not in the terminal's session: its Ctrl-C is for the command that started it
    const auto identity = childIdentity();
    if (!identity) {
        Supervisor::log(identity.error());
        return 1;
    }
    if (auto written = writePrivateFile(
            pidFile(), QByteArray::number(QCoreApplication::applicationPid()) + '\n', kPrivate);
        !written) {
        Supervisor::log(written.error());
        return 1;
    }
    Supervisor supervisor{*this, *identity};
    Supervisor::log(QStringLiteral("supervising the cluster in %1 (pid %2)")
            .arg(m_directory)
            .arg(QCoreApplication::applicationPid()));
    if (auto started = supervisor.start(); !started) {
        Supervisor::log(started.error());
        supervisor.stop();
        QFile::remove(pidFile());
        return 1;
    }
    const int exitCode = QCoreApplication::exec();
    supervisor.stop();
    QFile::remove(pidFile());
    return exitCode;
}

std::expected<bool, QString> PatroniCluster::start(const Progress &progress)
{
    if (!initialized())
        return std::unexpected(QStringLiteral("no cluster in %1; set one up with `tickscope "
                                              "local-db cluster init`")
                .arg(m_directory));
    if (supervisorPid())
        return false;
    for (int port = portBase(); port < portBase() + kPortsUsed; ++port) {
        if (!loopbackPortIsFree(port))
            return std::unexpected(
                QStringLiteral("port %1 on 127.0.0.1 is already in use by another program; the "
                               "cluster uses ports %2..%3")
                    .arg(port)
                    .arg(portBase())
                    .arg(portBase() + kPortsUsed - 1));
    }
    QProcess launcher;
    launcher.setProgram(QCoreApplication::applicationFilePath());
    launcher.setArguments({QStringLiteral("local-db"), QStringLiteral("cluster"),
        QStringLiteral("supervise"), QStringLiteral("--dir"), m_directory});
    launcher.setStandardInputFile(QProcess::nullDevice());
    launcher.setStandardOutputFile(supervisorLog(), QIODevice::Append);
    launcher.setStandardErrorFile(supervisorLog(), QIODevice::Append);
    qint64 pid = 0;
    if (!launcher.startDetached(&pid))
        return std::unexpected(QStringLiteral("cannot start the cluster's supervisor: %1")
                .arg(launcher.errorString()));
    progress(
        QStringLiteral("started the supervisor (pid %1, log %2)").arg(pid).arg(supervisorLog()));
    if (auto ready = waitUntilReady(progress); !ready) {
        // Nothing left running from a start that failed; the logs stay.
        (void)stop([](const QString &) { });
        return std::unexpected(ready.error());
    }
    if (auto database = ensureDatabase(); !database)
        return std::unexpected(database.error());
    return true;
}

std::expected<void, QString> PatroniCluster::waitUntilReady(const Progress &progress) const
{
    // A first start runs initdb and copies the leader twice: a minute here; four at most.
    const QDeadlineTimer deadline{240'000};
    // Patroni answers within seconds of its start; one that keeps exiting has said why.
    const QDeadlineTimer firstAnswer{45'000};
    bool answered = false;
    QString said;
    while (!deadline.hasExpired()) {
        if (!answered && firstAnswer.hasExpired())
            return std::unexpected(
                QStringLiteral("no node's Patroni answers after 45 s; last lines of %1:\n%2")
                    .arg(nodeDirectory(0) + QStringLiteral("/patroni.log"),
                        lastLines(nodeDirectory(0) + QStringLiteral("/patroni.log"), 8)));
        if (!supervisorPid()) {
            QThread::msleep(500); // the pid file is written a moment after the start
            if (!supervisorPid())
                return std::unexpected(
                    QStringLiteral("the cluster's supervisor exited; last lines of %1:\n%2")
                        .arg(supervisorLog(), lastLines(supervisorLog(), 15)));
        }
        if (const auto current = view()) {
            answered = true;
            QStringList states;
            int streaming = 0;
            bool leaderRuns = false;
            for (const PatroniMember &member : current->members) {
                states << member.name + u' ' + member.role + u' ' + member.state;
                leaderRuns = leaderRuns || (member.leads() && member.state == u"running");
                streaming += !member.leads() && member.state == u"streaming";
            }
            const QString now = states.join(QStringLiteral(", "));
            if (now != said && !now.isEmpty())
                progress(now);
            said = now;
            if (leaderRuns && streaming == kMembers - 1)
                return {};
        }
        QThread::msleep(500);
    }
    return std::unexpected(QStringLiteral("the cluster has no leader with two streaming replicas "
                                          "after 4 minutes; see %1 and each node's patroni.log")
            .arg(supervisorLog()));
}

std::expected<void, QString> PatroniCluster::ensureDatabase() const
{
    try {
        auto connection = db::connect(
            conninfo(QStringLiteral("read-write"), QStringLiteral("postgres")).toStdString(),
            "local-db");
        pqxx::nontransaction tx{connection};
        if (tx.exec("SELECT 1 FROM pg_database WHERE datname = $1",
                  pqxx::params{LocalServer::kDatabaseName.toStdString()})
                .empty())
            tx.exec("CREATE DATABASE " + tx.quote_name(LocalServer::kDatabaseName.toStdString()));
    } catch (const std::exception &error) {
        return std::unexpected(QStringLiteral("the cluster runs, but creating the %1 database "
                                              "failed: %2")
                .arg(LocalServer::kDatabaseName, QString::fromUtf8(error.what())));
    }
    // libpq tries the hosts in order and gives up at a server that lacks the database, even
    // one that target_session_attrs would have passed over: every replica must have it first.
    const QDeadlineTimer deadline{60'000};
    for (int member = 0; member < kMembers; ++member) {
        const std::string node = QStringLiteral("host=127.0.0.1 port=%1 dbname=postgres user=%2 "
                                                "passfile=%3 require_auth=scram-sha-256")
                                     .arg(postgresPort(member))
                                     .arg(LocalServer::kSuperuser, conninfoValue(passfile()))
                                     .toStdString();
        for (;;) {
            try {
                auto connection = db::connect(node, "local-db");
                if (!pqxx::nontransaction{connection}
                        .exec("SELECT 1 FROM pg_database WHERE datname = $1",
                            pqxx::params{LocalServer::kDatabaseName.toStdString()})
                        .empty())
                    break;
            } catch (const std::exception &) {
                // Starting still; asked again.
            }
            if (deadline.hasExpired())
                return std::unexpected(QStringLiteral("%1 has not received the %2 database "
                                                      "after 60 s")
                        .arg(nodeName(member), LocalServer::kDatabaseName));
            QThread::msleep(200);
        }
    }
    return {};
}

std::expected<bool, QString> PatroniCluster::stop(const Progress &progress)
{
    const auto pid = supervisorPid();
    if (!pid)
        return false;
    if (::kill(static_cast<pid_t>(*pid), SIGTERM) != 0)
        return std::unexpected(
            QStringLiteral("cannot signal the cluster's supervisor (pid %1)").arg(*pid));
    progress(
        QStringLiteral("stopping Patroni on each node, then etcd (supervisor pid %1)").arg(*pid));
    const QDeadlineTimer deadline{300'000};
    while (supervisorPid()) {
        if (deadline.hasExpired())
            return std::unexpected(
                QStringLiteral("the cluster's supervisor (pid %1) has not stopped after 5 "
                               "minutes; see %2")
                    .arg(*pid)
                    .arg(supervisorLog()));
        QThread::msleep(200);
    }
    return true;
}

std::expected<PatroniClusterView, QString> PatroniCluster::view() const
{
    QString lastError;
    for (int member = 0; member < kMembers; ++member) {
        const auto answer = patroniRequest("GET",
            QStringLiteral("http://%1/cluster").arg(loopback(apiPort(member))), {}, {},
            std::chrono::seconds(2));
        if (!answer) {
            lastError = answer.error();
            continue;
        }
        if (answer->status != 200) {
            lastError = QStringLiteral("Patroni's API on %1 answered %2")
                            .arg(nodeName(member))
                            .arg(answer->status);
            continue;
        }
        return parseClusterView(answer->body);
    }
    return std::unexpected(QStringLiteral("no node's Patroni answers (%1)").arg(lastError));
}

std::expected<QString, QString> PatroniCluster::postToLeader(
    const QByteArray &path, const QByteArray &body) const
{
    QFile file{credentialsFile()};
    if (!file.open(QIODevice::ReadOnly))
        return std::unexpected(
            QStringLiteral("cannot read %1: %2").arg(credentialsFile(), file.errorString()));
    const QByteArray credentials = file.readAll().trimmed();
    // The leader's API first (a switchover needs its consent); any that answers otherwise.
    std::vector<int> order;
    const auto current = view();
    for (int member = 0; member < kMembers; ++member) {
        const bool leads
            = current && current->leader() && current->leader()->name == nodeName(member);
        order.insert(leads ? order.begin() : order.end(), member);
    }
    QString lastError;
    for (const int member : order) {
        const auto answer = patroniRequest("POST",
            QStringLiteral("http://%1").arg(loopback(apiPort(member))) + QString::fromLatin1(path),
            body, credentials, std::chrono::seconds(90));
        if (!answer) {
            lastError = answer.error();
            continue;
        }
        const QString text = QString::fromUtf8(answer->body).trimmed();
        if (answer->status != 200 && answer->status != 202)
            return std::unexpected(
                text.isEmpty() ? QStringLiteral("Patroni answered %1").arg(answer->status) : text);
        return text;
    }
    return std::unexpected(QStringLiteral("no node's Patroni answers (%1)").arg(lastError));
}

std::expected<QString, QString> PatroniCluster::switchover(
    const std::optional<QString> &candidate) const
{
    const auto current = view();
    if (!current)
        return std::unexpected(current.error());
    if (!current->leader())
        return std::unexpected(QStringLiteral(
            "the cluster has no leader to hand over from; use failover --to NODE instead"));
    if (candidate) {
        if (auto known = checkCandidate(*current, *candidate); !known)
            return std::unexpected(known.error());
    }
    QJsonObject request{{QStringLiteral("leader"), current->leader()->name}};
    if (candidate)
        request.insert(QStringLiteral("candidate"), *candidate);
    return postToLeader("/switchover", QJsonDocument(request).toJson(QJsonDocument::Compact));
}

std::expected<QString, QString> PatroniCluster::failover(const QString &candidate) const
{
    const auto current = view();
    if (!current)
        return std::unexpected(current.error());
    if (auto known = checkCandidate(*current, candidate); !known)
        return std::unexpected(known.error());
    return postToLeader("/failover",
        QJsonDocument(QJsonObject{{QStringLiteral("candidate"), candidate}})
            .toJson(QJsonDocument::Compact));
}

QString PatroniCluster::conninfo(const QString &targetSessionAttrs, const QString &database) const
{
    QStringList hosts;
    QStringList ports;
    for (int member = 0; member < kMembers; ++member) {
        hosts << QStringLiteral("127.0.0.1");
        ports << QString::number(postgresPort(member));
    }
    return QStringLiteral("host=%1 port=%2 dbname=%3 user=%4 passfile=%5 "
                          "require_auth=scram-sha-256 target_session_attrs=%6")
        .arg(hosts.join(u','), ports.join(u','), conninfoValue(database), LocalServer::kSuperuser,
            conninfoValue(passfile()), targetSessionAttrs);
}

} // namespace tickscope::ops
