// A table of text cells printed the three ways the commands offer: aligned columns for a person
// (table), CSV for a spreadsheet, JSON (an array of objects; empty cells are null) for a program.
#pragma once

#include <QString>
#include <QStringList>
#include <vector>

namespace tickscope::app::cli {

struct Table
{
    QStringList columns;
    std::vector<QStringList> rows; // each as many cells as columns
};

// "table", "csv" and "json".
bool isTableFormat(const QString &format);

QString renderTable(const Table &table, const QString &format);

} // namespace tickscope::app::cli
