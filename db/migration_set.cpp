#include "db/migration_set.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <algorithm>
#include <format>

namespace tickscope::db {

std::expected<std::vector<Migration>, std::string> loadMigrations(const QString &directory)
{
    const QDir dir{directory};
    if (!dir.exists())
        return std::unexpected(
            std::format("migrations directory {} does not exist", directory.toStdString()));

    static const QRegularExpression fileName{QStringLiteral(R"(^(\d{4})_([a-z0-9_]+)\.sql$)")};
    std::vector<Migration> migrations;
    for (const QString &entry : dir.entryList(QDir::Files, QDir::Name)) {
        const auto match = fileName.match(entry);
        if (!match.hasMatch())
            return std::unexpected(
                std::format("{}: not a migration file name (expected NNNN_lowercase_name.sql)",
                    dir.filePath(entry).toStdString()));
        QFile file{dir.filePath(entry)};
        if (!file.open(QIODevice::ReadOnly))
            return std::unexpected(std::format("cannot read {}: {}", file.fileName().toStdString(),
                file.errorString().toStdString()));
        const QByteArray bytes = file.readAll();
        migrations.push_back(Migration{
            .version = match.captured(1).toInt(),
            .name = match.captured(2).toStdString(),
            .sql = bytes.toStdString(),
            .checksum
            = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex().toStdString(),
            .outsideTransaction = bytes.contains("\n-- tickscope: outside a transaction\n"),
        });
    }
    std::ranges::sort(migrations, {}, &Migration::version);
    for (std::size_t i = 0; i < migrations.size(); ++i) {
        const int expected = static_cast<int>(i) + 1;
        if (migrations[i].version != expected)
            return std::unexpected(std::format(
                "{}: migration versions must run 1, 2, 3... without holes or repeats; found {:04} "
                "where {:04} belongs",
                directory.toStdString(), migrations[i].version, expected));
    }
    if (migrations.empty())
        return std::unexpected(std::format("no migration files in {}", directory.toStdString()));
    return migrations;
}

} // namespace tickscope::db
