#include "widgets/value_table.h"

#include <QHeaderView>

namespace tickscope::widgets {

ValueTable::ValueTable(const QStringList &headers, QWidget *parent)
    : QTableWidget(0, static_cast<int>(headers.size()), parent)
{
    setHorizontalHeaderLabels(headers);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setAlternatingRowColors(true);
    verticalHeader()->hide();
    horizontalHeader()->setStretchLastSection(true);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
}

void ValueTable::setRows(const std::vector<Row> &rows)
{
    setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const Row &row = rows[static_cast<std::size_t>(r)];
        for (int c = 0; c < columnCount(); ++c) {
            auto *item = new QTableWidgetItem(row.cells.value(c));
            item->setToolTip(row.tip);
            if (c == columnCount() - 1 && row.tone != Tone::Normal) {
                static const QColor kGood{0x2e, 0x7d, 0x32};
                static const QColor kWarning{0xb2, 0x6a, 0x00};
                static const QColor kBad{0xc6, 0x28, 0x28};
                item->setForeground(row.tone == Tone::Good ? kGood
                        : row.tone == Tone::Warning        ? kWarning
                                                           : kBad);
            }
            setItem(r, c, item);
        }
    }
}

QString ValueTable::cellText(int row, int column) const
{
    const QTableWidgetItem *cell = item(row, column);
    return cell ? cell->text() : QString();
}

} // namespace tickscope::widgets
