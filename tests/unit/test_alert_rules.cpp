// The alert engine's state machine (duration before firing, resolve, flapping, subjects that
// vanish, disabled rules, acknowledgement) and each alert rule made to fire and then to clear
// from the snapshots it reads.
#include "app/ops/alert_engine.h"
#include "app/ops/alert_rules.h"

#include <QTest>

using namespace tickscope;
using namespace std::chrono_literals;
using Time = ops::AlertEngine::Time;

namespace {

const Time kStart = Time{} + std::chrono::hours{24 * 365 * 56};

model::AlertCondition breach(const std::string &rule, const std::string &subject, bool breached)
{
    return {rule, subject, breached, model::AlertSeverity::Critical, rule + " on " + subject};
}

// The verdict of `rule` on `subject`: 1 breached, 0 clear, -1 none given.
int verdictOf(
    const ops::RuleVerdicts &verdicts, const std::string &rule, const std::string &subject = {})
{
    for (const auto &condition : verdicts.conditions)
        if (condition.rule == rule && condition.subject == subject)
            return condition.breached ? 1 : 0;
    return -1;
}

ops::AlertRules rules(std::vector<model::MaintenanceWindow> maintenance = {})
{
    return ops::AlertRules{{.maintenance = std::move(maintenance)}, std::chrono::hours{24}};
}

std::int64_t nanoseconds(Time time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
}

model::ReplicationStatus healthyPrimary()
{
    model::ReplicationStatus status;
    status.checkedAt = kStart;
    status.serverStartedAt = kStart - 1h;
    status.connections = 10;
    status.maxConnections = 100;
    status.standbys.push_back({.name = "standby_1", .state = "streaming"});
    status.replicationSlots.push_back(
        {.name = "standby_1", .type = "physical", .active = true, .walStatus = "reserved"});
    status.archiver.archiving = true;
    status.archiver.lastArchivedAtUnix = 100;
    status.disks.push_back(
        {.what = "data and WAL", .path = "/data", .freeBytes = 50, .totalBytes = 100});
    return status;
}

} // namespace

class TestAlertRules : public QObject
{
    Q_OBJECT

private slots:
    void firesAfterItsDurationAndResolves()
    {
        ops::AlertEngine engine{model::defaultAlertRules()}; // standby_gone: 30 s
        auto changes
            = engine.evaluate({"standby_gone"}, {breach("standby_gone", "s1", true)}, kStart);
        QVERIFY(changes.empty());
        changes
            = engine.evaluate({"standby_gone"}, {breach("standby_gone", "s1", true)}, kStart + 29s);
        QVERIFY(changes.empty());
        QVERIFY(engine.active().empty());
        changes
            = engine.evaluate({"standby_gone"}, {breach("standby_gone", "s1", true)}, kStart + 30s);
        QCOMPARE(changes.fired.size(), std::size_t{1});
        QCOMPARE(changes.fired.front().subject, std::string("s1"));
        QVERIFY(changes.fired.front().firstSeen == kStart + 30s);
        QCOMPARE(engine.active().size(), std::size_t{1});
        // Still breached: no second firing.
        QVERIFY(
            engine.evaluate({"standby_gone"}, {breach("standby_gone", "s1", true)}, kStart + 40s)
                .empty());
        changes = engine.evaluate(
            {"standby_gone"}, {breach("standby_gone", "s1", false)}, kStart + 50s);
        QCOMPARE(changes.resolved.size(), std::size_t{1});
        QVERIFY(changes.resolved.front().resolvedAt == kStart + 50s);
        QVERIFY(engine.active().empty());
    }

    void flappingShorterThanTheDurationNeverFires()
    {
        ops::AlertEngine engine{model::defaultAlertRules()};
        for (int step = 0; step < 10; ++step) {
            const bool breached = step % 2 == 0;
            const auto changes = engine.evaluate(
                {"standby_gone"}, {breach("standby_gone", "s1", breached)}, kStart + step * 20s);
            QVERIFY(changes.empty());
        }
    }

    void aVanishedSubjectOfAnEvaluatedRuleResolves()
    {
        ops::AlertEngine engine{model::defaultAlertRules()}; // slot_wal_lost: 0 s
        QCOMPARE(engine.evaluate({"slot_wal_lost"}, {breach("slot_wal_lost", "a", true)}, kStart)
                     .fired.size(),
            std::size_t{1});
        // Another rule's evaluation leaves it alone; its own, without the slot, resolves it.
        QVERIFY(engine.evaluate({"standby_gone"}, {}, kStart + 1s).empty());
        QCOMPARE(
            engine.evaluate({"slot_wal_lost"}, {}, kStart + 2s).resolved.size(), std::size_t{1});
    }

    void disabledRulesNeverFire()
    {
        auto defaults = model::defaultAlertRules();
        std::ranges::find(defaults, "slot_wal_lost", &model::AlertRule::name)->enabled = false;
        ops::AlertEngine engine{defaults};
        QVERIFY(engine.evaluate({"slot_wal_lost"}, {breach("slot_wal_lost", "a", true)}, kStart)
                .empty());
    }

    void acknowledgementStaysWhileActive()
    {
        ops::AlertEngine engine{model::defaultAlertRules()};
        engine.evaluate({"slot_wal_lost"}, {breach("slot_wal_lost", "a", true)}, kStart);
        QVERIFY(!engine.acknowledge("slot_wal_lost", "b", "op", "none such"));
        QVERIFY(engine.acknowledge("slot_wal_lost", "a", "alice@desk", "recloning the standby"));
        engine.evaluate({"slot_wal_lost"}, {breach("slot_wal_lost", "a", true)}, kStart + 5s);
        QCOMPARE(engine.active().front().acknowledgedBy, std::string("alice@desk"));
        QCOMPARE(engine.active().front().note, std::string("recloning the standby"));
    }

    void serverDown()
    {
        model::ReplicationStatus unreachable;
        unreachable.error = "connection refused";
        const auto verdicts = rules().replication(unreachable, kStart);
        QCOMPARE(verdictOf(verdicts, "server_down"), 1);
        QCOMPARE(verdicts.rules, std::vector<std::string>{"server_down"});
        // Answering again resolves it: the rule is evaluated and finds nothing wrong.
        ops::AlertEngine engine{model::defaultAlertRules()};
        engine.evaluate(verdicts.rules, verdicts.conditions, kStart);
        QCOMPARE(engine.evaluate(verdicts.rules, verdicts.conditions, kStart + 30s).fired.size(),
            std::size_t{1});
        const auto healthy = rules().replication(healthyPrimary(), kStart - 1h);
        QCOMPARE(engine.evaluate(healthy.rules, healthy.conditions, kStart + 40s).resolved.size(),
            std::size_t{1});
    }

    void replicationRulesClearWhenHealthy()
    {
        const auto verdicts = rules().replication(healthyPrimary(), kStart - 1h);
        for (const auto &condition : verdicts.conditions)
            QVERIFY2(!condition.breached, condition.message.c_str());
        QCOMPARE(verdictOf(verdicts, "standby_gone", "standby_1"), 0);
        QCOMPARE(verdictOf(verdicts, "disk_free", "/data"), 0);
        // A primary is not asked for a WAL receiver.
        QCOMPARE(verdictOf(verdicts, "primary_unreachable"), -1);
    }

    void replicationRulesFire_data()
    {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<QString>("subject");
        QTest::addRow("server_restarted") << "server_restarted" << "";
        QTest::addRow("connections") << "connections" << "";
        QTest::addRow("replication_lag_bytes") << "replication_lag_bytes" << "standby_1";
        QTest::addRow("replication_lag_seconds") << "replication_lag_seconds" << "standby_1";
        QTest::addRow("standby_gone") << "standby_gone" << "standby_1";
        QTest::addRow("slot_wal_lost") << "slot_wal_lost" << "standby_1";
        QTest::addRow("disk_free") << "disk_free" << "/data";
        QTest::addRow("archive_failing") << "archive_failing" << "";
        QTest::addRow("archive_backlog") << "archive_backlog" << "";
    }

    void replicationRulesFire()
    {
        QFETCH(QString, rule);
        QFETCH(QString, subject);
        model::ReplicationStatus status = healthyPrimary();
        const std::string name = rule.toStdString();
        if (name == "server_restarted")
            status.serverStartedAt = kStart - 30s;
        else if (name == "connections")
            status.connections = 81;
        else if (name == "replication_lag_bytes")
            status.standbys.front().lagBytes = 100'000'000;
        else if (name == "replication_lag_seconds")
            status.standbys.front().replayLagSeconds = 11;
        else if (name == "standby_gone")
            status.replicationSlots.front().active = false;
        else if (name == "slot_wal_lost")
            status.replicationSlots.front().walStatus = "lost";
        else if (name == "disk_free")
            status.disks.front().freeBytes = 9;
        else if (name == "archive_failing")
            status.archiver.lastFailedAtUnix = 200;
        else if (name == "archive_backlog")
            status.archiver.readySegments = 11;
        const auto verdicts = rules().replication(status, kStart - 1h);
        QCOMPARE(verdictOf(verdicts, name, subject.toStdString()), 1);
        QVERIFY(std::ranges::count(verdicts.rules, name) == 1);
    }

    void aServerFoundYoungIsNoRestart()
    {
        model::ReplicationStatus status = healthyPrimary();
        status.serverStartedAt = kStart - 30s;
        QCOMPARE(
            verdictOf(rules().replication(status, status.serverStartedAt), "server_restarted"), 0);
    }

    void diskFreeTurnsCriticalUnderHalfTheThreshold()
    {
        model::ReplicationStatus status = healthyPrimary();
        status.disks.front().freeBytes = 4;
        const auto verdicts = rules().replication(status, kStart - 1h);
        const auto disk
            = std::ranges::find(verdicts.conditions, "disk_free", &model::AlertCondition::rule);
        QVERIFY(disk->breached);
        QCOMPARE(disk->severity, model::AlertSeverity::Critical);
    }

    void aStandbyIsNotAskedWhatOnlyAPrimaryDoes()
    {
        model::ReplicationStatus status = healthyPrimary();
        status.inRecovery = true;
        status.standbys.clear();
        status.replicationSlots.front().active = false;
        status.archiver.lastFailedAtUnix = 200;
        status.receiver = model::WalReceiver{.status = "streaming"};
        auto verdicts = rules().replication(status, kStart - 1h);
        QCOMPARE(verdictOf(verdicts, "standby_gone", "standby_1"), -1);
        QCOMPARE(verdictOf(verdicts, "archive_failing"), -1);
        QCOMPARE(verdictOf(verdicts, "primary_unreachable"), 0);
        status.receiver->status = "not connected";
        verdicts = rules().replication(status, kStart - 1h);
        QCOMPARE(verdictOf(verdicts, "primary_unreachable"), 1);
        QCOMPARE(verdictOf(rules().backups({}, true, kStart), "backup_stale", ""), -1);
    }

    void backupStale()
    {
        model::BackupOverview overview;
        overview.inventory.stanza = "tickscope";
        const auto now
            = std::chrono::duration_cast<std::chrono::seconds>(kStart.time_since_epoch());
        QCOMPARE(
            verdictOf(rules().backups(overview, false, kStart), "backup_stale", "tickscope"), 1);
        overview.inventory.backups.push_back(
            {.label = "F", .stoppedAtUnix = now.count() - 35 * 3600});
        QCOMPARE(
            verdictOf(rules().backups(overview, false, kStart), "backup_stale", "tickscope"), 0);
        overview.inventory.backups.front().stoppedAtUnix = now.count() - 37 * 3600;
        QCOMPARE(
            verdictOf(rules().backups(overview, false, kStart), "backup_stale", "tickscope"), 1);
        // A damaged backup does not count.
        overview.inventory.backups.push_back(
            {.label = "I", .stoppedAtUnix = now.count() - 60, .error = true});
        QCOMPARE(
            verdictOf(rules().backups(overview, false, kStart), "backup_stale", "tickscope"), 1);
    }

    void storageRules()
    {
        model::StorageStatus status;
        status.compressionAvailable = true;
        status.jobs.push_back({.name = "refresh", .lastResult = "failed", .failures = 1});
        status.aggregates.push_back(
            {.name = "aggregates.ohlcv_1m", .lagSeconds = 100, .allowedLagSeconds = 180});
        status.hypertables.push_back({.name = "market_data.trades", .backlogChunks = 10});
        auto verdicts = rules().storage(status);
        for (const auto &condition : verdicts.conditions)
            QVERIFY2(!condition.breached, condition.message.c_str());
        status.jobs.front().failures = 2;
        status.jobs.front().overdue = true;
        status.aggregates.front().lagSeconds = 200;
        status.hypertables.front().backlogChunks = 11;
        verdicts = rules().storage(status);
        QCOMPARE(verdictOf(verdicts, "job_failing", "refresh"), 1);
        QCOMPARE(verdictOf(verdicts, "job_overdue", "refresh"), 1);
        QCOMPARE(verdictOf(verdicts, "aggregate_lagging", "aggregates.ohlcv_1m"), 1);
        QCOMPARE(verdictOf(verdicts, "compression_backlog", "market_data.trades"), 1);
    }

    void feedAndWriterRules()
    {
        model::FeedStatus feed{.feed = "binance", .state = model::FeedStatus::State::Live};
        QCOMPARE(verdictOf(rules().feed(feed, kStart), "feed_disconnected", "binance"), 0);
        feed.state = model::FeedStatus::State::Reconnecting;
        QCOMPARE(verdictOf(rules().feed(feed, kStart), "feed_disconnected", "binance"), 1);
        // Each feed is judged alone: its verdicts name no rule as wholly evaluated.
        QVERIFY(rules().feed(feed, kStart).rules.empty());

        model::WriterStatus writer{.feed = "binance", .state = model::WriterStatus::State::Live};
        auto verdicts = rules().writer(writer, kStart);
        for (const auto &condition : verdicts.conditions)
            QVERIFY2(!condition.breached, condition.message.c_str());
        writer.state = model::WriterStatus::State::DatabaseDown;
        writer.gapsFound = 2;
        writer.gapsBackfilled = 1;
        writer.quarantined = 3;
        verdicts = rules().writer(writer, kStart);
        QCOMPARE(verdictOf(verdicts, "writer_failing", "binance"), 1);
        QCOMPARE(verdictOf(verdicts, "gap_detected", "binance"), 1);
        QCOMPARE(verdictOf(verdicts, "records_quarantined", "binance"), 1);
        writer.state = model::WriterStatus::State::Replaying;
        QCOMPARE(verdictOf(rules().writer(writer, kStart), "journal_lag", "binance"), 1);
    }

    void aSymbolSilentFarBeyondItsPaceFiresAndResolves()
    {
        // BTCUSDT: 101 trades over 100 s, one a second; the default allows 30 times that.
        model::WriterStatus writer{.feed = "binance", .state = model::WriterStatus::State::Live};
        writer.lastPrices.push_back({.symbol = "BTCUSDT",
            .trades = 101,
            .firstReceivedNs = nanoseconds(kStart - 100s),
            .lastReceivedNs = nanoseconds(kStart)});
        // A quiet symbol of few trades has no pace yet: it is not judged.
        writer.lastPrices.push_back({.symbol = "RAREUSDT",
            .trades = 3,
            .firstReceivedNs = nanoseconds(kStart - 1h),
            .lastReceivedNs = nanoseconds(kStart - 1h)});
        QCOMPARE(
            verdictOf(rules().writer(writer, kStart + 29s), "symbol_silent", "binance BTCUSDT"), 0);
        // Under a minute never counts as silent, whatever the pace.
        QCOMPARE(
            verdictOf(rules().writer(writer, kStart + 59s), "symbol_silent", "binance BTCUSDT"), 0);
        const auto silent = rules().writer(writer, kStart + 61s);
        QCOMPARE(verdictOf(silent, "symbol_silent", "binance BTCUSDT"), 1);
        QCOMPARE(verdictOf(silent, "symbol_silent", "binance RAREUSDT"), -1);
        // A trade comes: resolved.
        writer.lastPrices[0].trades = 102;
        writer.lastPrices[0].lastReceivedNs = nanoseconds(kStart + 60s);
        QCOMPARE(
            verdictOf(rules().writer(writer, kStart + 61s), "symbol_silent", "binance BTCUSDT"), 0);
        // A writer catching up has old receive times: no verdict of silence from it.
        writer.state = model::WriterStatus::State::Replaying;
        QCOMPARE(
            verdictOf(rules().writer(writer, kStart + 1h), "symbol_silent", "binance BTCUSDT"), 0);
    }

    void aMaintenanceWindowQuietsItsFeedOnly()
    {
        const model::MaintenanceWindow window{
            .feed = "binance", .from = kStart, .to = kStart + 2h, .note = "spot upgrade"};
        model::FeedStatus binance{
            .feed = "binance", .state = model::FeedStatus::State::Reconnecting};
        model::FeedStatus kraken{.feed = "kraken", .state = model::FeedStatus::State::Reconnecting};
        const auto during = rules({window}).feed(binance, kStart + 1h);
        QCOMPARE(verdictOf(during, "feed_disconnected", "binance"), 0);
        QVERIFY2(during.conditions[0].message.find("quiet: binance maintenance until")
                != std::string::npos,
            during.conditions[0].message.c_str());
        QCOMPARE(
            verdictOf(rules({window}).feed(kraken, kStart + 1h), "feed_disconnected", "kraken"), 1);
        QCOMPARE(
            verdictOf(rules({window}).feed(binance, kStart - 1s), "feed_disconnected", "binance"),
            1);
        QCOMPARE(
            verdictOf(rules({window}).feed(binance, kStart + 2h), "feed_disconnected", "binance"),
            1);
        // Its gaps are expected too; a writer that cannot commit is the database's, not quieted.
        model::WriterStatus writer{
            .feed = "binance", .state = model::WriterStatus::State::DatabaseDown, .gapsFound = 1};
        const auto verdicts = rules({window}).writer(writer, kStart + 1h);
        QCOMPARE(verdictOf(verdicts, "gap_detected", "binance"), 0);
        QCOMPARE(verdictOf(verdicts, "writer_failing", "binance"), 1);
    }
};

QTEST_GUILESS_MAIN(TestAlertRules)
#include "test_alert_rules.moc"
