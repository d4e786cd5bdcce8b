#include "app/cli/table.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

namespace tickscope::app::cli {

bool isTableFormat(const QString &format)
{
    return format == QLatin1String("table") || format == QLatin1String("csv")
        || format == QLatin1String("json");
}

QString renderTable(const Table &table, const QString &format)
{
    if (format == QLatin1String("json")) {
        QJsonArray rows;
        for (const auto &row : table.rows) {
            QJsonObject object;
            for (qsizetype i = 0; i < table.columns.size(); ++i)
                object.insert(
                    table.columns[i], row[i].isEmpty() ? QJsonValue() : QJsonValue(row[i]));
            rows.append(object);
        }
        return QString::fromUtf8(QJsonDocument(rows).toJson(QJsonDocument::Indented)).trimmed();
    }
    if (format == QLatin1String("csv")) {
        // RFC 4180: a cell with a comma, a quote or a line break is quoted, its quotes doubled.
        const auto csvLine = [](const QStringList &cells) {
            QStringList quoted;
            for (const QString &cell : cells)
                quoted << (cell.contains(u',') || cell.contains(u'"') || cell.contains(u'\n')
                        ? u'"' + QString(cell).replace(u'"', QStringLiteral("\"\"")) + u'"'
                        : cell);
            return quoted.join(u',');
        };
        QStringList lines{csvLine(table.columns)};
        for (const auto &row : table.rows)
            lines << csvLine(row);
        return lines.join(u'\n');
    }
    std::vector<qsizetype> widths;
    for (qsizetype i = 0; i < table.columns.size(); ++i) {
        qsizetype width = table.columns[i].size();
        for (const auto &row : table.rows)
            width = std::max(width, row[i].size());
        widths.push_back(width);
    }
    auto line = [&](const QStringList &cells) {
        QStringList padded;
        for (qsizetype i = 0; i < cells.size(); ++i)
            padded << cells[i].leftJustified(widths[static_cast<std::size_t>(i)]);
        return padded.join(QStringLiteral("  ")).trimmed();
    };
    QStringList lines{line(table.columns)};
    for (const auto &row : table.rows)
        lines << line(row);
    return lines.join(u'\n');
}

} // namespace tickscope::app::cli
