// What Tickscope reads from pgBackRest's output: the inventory from `info --output=json` (as
// pgBackRest 2.55 writes it) and the progress percentage of its detail lines.
#include "app/ops/pgbackrest.h"

#include <QTest>

using namespace tickscope;

namespace {

// Two backups of stanza "tickscope" and a second stanza, trimmed from a real `info` answer.
const QByteArray kInfo = R"([
 {"archive": [{"database": {"id": 1, "repo-key": 1}, "id": "17-1",
               "max": "000000010000000000000006", "min": "000000010000000000000001"}],
  "backup": [
   {"archive": {"start": "000000010000000000000005", "stop": "000000010000000000000006"},
    "error": false, "info": {"delta": 8450, "repository": {"delta": 370, "size": 3714624},
    "size": 31025023}, "label": "20261130-044906F_20261130-044915I", "lsn": {"start": "0/5000028",
    "stop": "0/6000050"}, "prior": "20261130-044906F", "timestamp": {"start": 1796014155,
    "stop": 1796014156}, "type": "incr"},
   {"archive": {"start": "000000010000000000000003", "stop": "000000010000000000000004"},
    "error": true, "info": {"delta": 31025023, "repository": {"delta": 3714256, "size": 3714256},
    "size": 31025023}, "label": "20261130-044906F", "timestamp": {"start": 1796014146,
    "stop": 1796014155}, "type": "full"}],
  "name": "tickscope", "status": {"code": 0, "lock": {"backup": {"held": false}},
  "message": "ok"}},
 {"archive": [], "backup": [], "name": "other",
  "status": {"code": 2, "message": "no valid backups"}}
])";

} // namespace

class TestPgBackRestOutput : public QObject
{
    Q_OBJECT

private slots:
    void inventory()
    {
        const auto inventory = ops::parseBackupInventory(kInfo, QStringLiteral("tickscope"));
        QVERIFY2(inventory, qPrintable(inventory ? QString() : inventory.error()));
        QVERIFY(inventory->statusOk);
        QCOMPARE(inventory->status, std::string("ok"));
        QCOMPARE(inventory->walMin, std::string("000000010000000000000001"));
        QCOMPARE(inventory->walMax, std::string("000000010000000000000006"));
        QCOMPARE(inventory->backups.size(), std::size_t{2});
        // Oldest first, whatever order pgBackRest gave.
        const model::BackupRecord &full = inventory->backups[0];
        QCOMPARE(full.label, std::string("20261130-044906F"));
        QCOMPARE(full.type, model::BackupType::Full);
        QCOMPARE(full.startedAtUnix, 1796014146);
        QCOMPARE(full.stoppedAtUnix, 1796014155);
        QCOMPARE(full.repositoryBytes, 3714256);
        QVERIFY(full.error);
        const model::BackupRecord &incr = inventory->backups[1];
        QCOMPARE(incr.type, model::BackupType::Incremental);
        QCOMPARE(incr.databaseBytes, 31025023);
        QCOMPARE(incr.repositoryBytes, 370);
        QCOMPARE(incr.walStart, std::string("000000010000000000000005"));
        QCOMPARE(incr.walStop, std::string("000000010000000000000006"));
        QVERIFY(!incr.error);

        const auto other = ops::parseBackupInventory(kInfo, QStringLiteral("other"));
        QVERIFY(other && !other->statusOk && other->backups.empty());
        QCOMPARE(other->status, std::string("no valid backups"));
    }

    void badInventory_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::addRow("not json") << QByteArray("ERROR: [055]")
                                  << QStringLiteral("not a JSON array");
        QTest::addRow("an object") << QByteArray("{}") << QStringLiteral("not a JSON array");
        QTest::addRow("unknown stanza") << QByteArray(R"([{"name": "other"}])")
                                        << QStringLiteral("knows no stanza 'tickscope'");
        QTest::addRow("backup of unknown type") << QByteArray(
            R"([{"name": "tickscope", "backup": [{"label": "x", "type": "weekly"}]}])")
                                                << QStringLiteral("without a known type or label");
        QTest::addRow("backup without label")
            << QByteArray(R"([{"name": "tickscope", "backup": [{"type": "full"}]}])")
            << QStringLiteral("without a known type or label");
    }

    void badInventory()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        const auto inventory = ops::parseBackupInventory(json, QStringLiteral("tickscope"));
        QVERIFY(!inventory);
        QVERIFY2(inventory.error().contains(message), qPrintable(inventory.error()));
    }

    void progress_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<double>("percent");
        QTest::addRow("backup file")
            << QStringLiteral("2026-11-30 04:49:08.064 P01 DETAIL: backup file "
                              "/tmp/db/data/base/5/1255 (792KB, 2.61%) checksum 2123d5c2")
            << 2.61;
        QTest::addRow("restore file") << QStringLiteral(
            "P01 DETAIL: restore file /d/base/1/2609 (360KB, 100.00%) checksum ab")
                                      << 100.0;
        QTest::addRow("whole percent") << QStringLiteral("backup file /x (0B, 7%)") << 7.0;
        QTest::addRow("no percent")
            << QStringLiteral("P00 INFO: backup start archive = 0003") << -1.0;
        QTest::addRow("path with parentheses")
            << QStringLiteral("backup file /data (copy)/base/1 (8KB, 50.00%) checksum x") << 50.0;
    }

    void progress()
    {
        QFETCH(QString, line);
        QFETCH(double, percent);
        QCOMPARE(ops::progressPercent(line).value_or(-1.0), percent);
    }
};

QTEST_GUILESS_MAIN(TestPgBackRestOutput)
#include "test_pgbackrest_output.moc"
