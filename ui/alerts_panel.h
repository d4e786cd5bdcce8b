// The alerts panel, a dock of the main window: the active alerts (critical first) or their
// history (all, or critical only), coloured by severity, with first and last seen, resolution and
// acknowledgement; an Acknowledge button that asks for a note; and a tray notification when a
// new critical alert arrives. Fed the alert monitor's lists; it reads nothing itself.
#pragma once

#include "app/model/alert.h"

#include <QDockWidget>
#include <functional>
#include <optional>
#include <set>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSystemTrayIcon;

namespace tickscope::widgets {
class ValueTable;
}

namespace tickscope::ui {

class AlertsPanel : public QDockWidget
{
    Q_OBJECT
public:
    // Asks for the acknowledgement's note; nullopt: cancelled. Tests answer it themselves.
    using NotePrompt = std::function<std::optional<QString>(QWidget *parent, const QString &what)>;

    explicit AlertsPanel(QWidget *parent = nullptr);
    void setNotePrompt(NotePrompt prompt) { m_prompt = std::move(prompt); }

public slots:
    void showAlerts(const std::vector<tickscope::model::Alert> &active,
        const std::vector<tickscope::model::Alert> &history);
    void showAcknowledgeResult(bool succeeded, const QString &message);

signals:
    void acknowledgeRequested(const QString &rule, const QString &subject, const QString &note);
    // A critical alert that was not active before; the tray shows it where there is one.
    void criticalAlertRaised(const QString &text);
    // The active alerts by severity, after each list the monitor sends.
    void activeCountsChanged(int critical, int warning);

private:
    void refill();

    QComboBox *m_filter;
    widgets::ValueTable *m_table;
    QPushButton *m_acknowledge;
    QLabel *m_result;
    QSystemTrayIcon *m_tray = nullptr;
    NotePrompt m_prompt;
    std::vector<model::Alert> m_active;
    std::vector<model::Alert> m_history;
    std::vector<model::Alert> m_shown; // the table's rows
    std::set<std::pair<std::string, std::string>> m_knownCritical;
};

} // namespace tickscope::ui
