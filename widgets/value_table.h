// A read-only table that a page refills from a snapshot: one call per snapshot with all rows,
// cells coloured by the state they report. The pages' tables (hypertables, jobs, aggregates,
// migrations, policies) are all this, so they look and behave alike.
#pragma once

#include <QStringList>
#include <QTableWidget>
#include <vector>

namespace tickscope::widgets {

class ValueTable : public QTableWidget
{
    Q_OBJECT
public:
    enum class Tone { Normal, Good, Warning, Bad };

    struct Row
    {
        QStringList cells;
        Tone tone = Tone::Normal; // of the row's last cell, its state
        QString tip; // why, on hover over the row
    };

    ValueTable(const QStringList &headers, QWidget *parent = nullptr);

    void setRows(const std::vector<Row> &rows);
    // The text of a cell, for tests and copy-paste.
    QString cellText(int row, int column) const;
};

} // namespace tickscope::widgets
