// The Book page: the chosen instrument's book as a ladder of the best 20 levels a side (sizes and
// running totals) beside a depth chart of them, live from the database four times a second, or
// as of any past instant (UTC, to the millisecond): rebuilt from the stored snapshot and deltas,
// as a backtest sees it, with the exchange and receive times of the state shown and where it was
// rebuilt from. It asks for a book by a signal and shows what comes back; the chosen symbol is
// kept in QSettings.
#pragma once

#include "app/model/book_ladder.h"
#include "app/model/instrument.h"

#include <QWidget>
#include <vector>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QRadioButton;

namespace tickscope::widgets {
class DepthChart;
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class BookPage : public QWidget
{
    Q_OBJECT
public:
    explicit BookPage(QWidget *parent = nullptr);

    // Asks for the book of the symbol shown, live or as of `asOfNs`, as if chosen on the page.
    void showLive();
    void showAsOf(qint64 asOfNs);

public slots:
    void setInstruments(const std::vector<tickscope::model::Instrument> &instruments);
    void showLadder(const tickscope::model::BookLadder &ladder);

signals:
    // `asOfNs` 0: live.
    void bookRequested(const QString &exchange, const QString &symbol, qint64 asOfNs);

private:
    void request();

    QComboBox *m_symbol;
    QRadioButton *m_live;
    QRadioButton *m_past;
    QDateTimeEdit *m_instant;
    QPushButton *m_show;
    QLabel *m_state;
    widgets::ValueTable *m_ladder;
    widgets::DepthChart *m_depth;
    std::vector<model::Instrument> m_instruments;
};

} // namespace tickscope::ui
