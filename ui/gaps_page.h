// The Gaps page: how complete the data is and where it is not. The daily completeness ledger per
// exchange, symbol, channel and UTC day (coloured by how much is missing), a timeline of each
// symbol's gaps over the window, each stream's book integrity (checksums checked and failed,
// sequence breaks, crossed books, resyncs), and the gaps themselves with cause and repair state;
// filters by exchange, symbol, open only and window (kept in QSettings), and the gap list
// exported as CSV. Fed GapLedger snapshots by the gap monitor; asks it for another filter.
#pragma once

#include "app/model/gap_ledger.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QVBoxLayout;

namespace tickscope::widgets {
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class GapsPage : public QWidget
{
    Q_OBJECT
public:
    explicit GapsPage(QWidget *parent = nullptr);

    // Writes the gaps shown as CSV to `path`, whole or not at all; the error says why not.
    bool exportCsv(const QString &path, QString *error) const;

public slots:
    void showLedger(const tickscope::model::GapLedger &ledger);
    // Says the filters shown (filterChanged), as when they change: the monitor starts with the
    // ones kept from the last run.
    void emitFilter();

signals:
    void filterChanged(const QString &exchange, const QString &symbol, bool openOnly, int days);

private:
    void exportAsked();

    QLineEdit *m_exchange;
    QLineEdit *m_symbol;
    QCheckBox *m_openOnly;
    QSpinBox *m_days;
    QLabel *m_summary;
    widgets::ValueTable *m_ledgerTable;
    QVBoxLayout *m_timelines;
    widgets::ValueTable *m_integrity;
    widgets::ValueTable *m_gaps;
    model::GapLedger m_ledger;
};

} // namespace tickscope::ui
