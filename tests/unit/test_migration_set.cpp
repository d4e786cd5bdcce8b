// Loading migration files: names, numbering and checksums are checked before anything runs.
#include "db/migration_set.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace tickscope::db;

class TestMigrationSet : public QObject
{
    Q_OBJECT

private slots:
    void embeddedSetIsComplete()
    {
        const auto migrations = loadMigrations(kEmbeddedMigrations);
        QVERIFY2(migrations, migrations ? "" : migrations.error().c_str());
        QVERIFY(migrations->size() >= 3);
        for (std::size_t i = 0; i < migrations->size(); ++i) {
            QCOMPARE((*migrations)[i].version, static_cast<int>(i) + 1);
            QVERIFY(!(*migrations)[i].sql.empty());
        }
        QCOMPARE(migrations->front().name, std::string("extension_and_roles"));
    }

    void checksumIsSha256OfTheFile()
    {
        QTemporaryDir dir;
        const QByteArray sql = "SELECT 1;\n";
        writeFile(dir.filePath(QStringLiteral("0001_first.sql")), sql);
        const auto migrations = loadMigrations(dir.path());
        QVERIFY(migrations);
        QCOMPARE(migrations->front().checksum,
            QCryptographicHash::hash(sql, QCryptographicHash::Sha256).toHex().toStdString());
        QCOMPARE(migrations->front().sql, sql.toStdString());
    }

    void rejectsBadSets_data()
    {
        QTest::addColumn<QStringList>("files");
        QTest::addColumn<QString>("expectedError");
        QTest::newRow("empty directory") << QStringList{} << QStringLiteral("no migration files");
        QTest::newRow("stray file")
            << QStringList{QStringLiteral("0001_a.sql"), QStringLiteral("notes.txt")}
            << QStringLiteral("not a migration file name");
        QTest::newRow("upper-case name") << QStringList{QStringLiteral("0001_Create.sql")}
                                         << QStringLiteral("not a migration file name");
        QTest::newRow("three digits") << QStringList{QStringLiteral("001_a.sql")}
                                      << QStringLiteral("not a migration file name");
        QTest::newRow("hole") << QStringList{QStringLiteral("0001_a.sql"),
            QStringLiteral("0003_c.sql")}
                              << QStringLiteral("found 0003 where 0002 belongs");
        QTest::newRow("repeat") << QStringList{QStringLiteral("0001_a.sql"),
            QStringLiteral("0001_b.sql")}
                                << QStringLiteral("found 0001 where 0002 belongs");
        QTest::newRow("not starting at 1") << QStringList{QStringLiteral("0002_b.sql")}
                                           << QStringLiteral("found 0002 where 0001 belongs");
    }

    void rejectsBadSets()
    {
        QFETCH(QStringList, files);
        QFETCH(QString, expectedError);
        QTemporaryDir dir;
        for (const QString &file : files)
            writeFile(dir.filePath(file), "SELECT 1;");
        const auto migrations = loadMigrations(dir.path());
        QVERIFY(!migrations);
        QVERIFY2(QString::fromStdString(migrations.error()).contains(expectedError),
            migrations.error().c_str());
    }

    void rejectsMissingDirectory()
    {
        const auto migrations = loadMigrations(QStringLiteral("/nonexistent/tickscope/sql"));
        QVERIFY(!migrations);
        QVERIFY(
            QString::fromStdString(migrations.error()).contains(QStringLiteral("does not exist")));
    }

private:
    static void writeFile(const QString &path, const QByteArray &contents)
    {
        QFile file{path};
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(contents);
    }
};

QTEST_GUILESS_MAIN(TestMigrationSet)
#include "test_migration_set.moc"
