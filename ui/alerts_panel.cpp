#include "ui/alerts_panel.h"

#include "ui/format.h"
#include "widgets/value_table.h"

#include <QApplication>
#include <QComboBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QVBoxLayout>
#include <algorithm>

namespace tickscope::ui {

using Tone = widgets::ValueTable::Tone;

AlertsPanel::AlertsPanel(QWidget *parent)
    : QDockWidget(tr("Alerts"), parent)
    , m_filter(new QComboBox)
    , m_table(new widgets::ValueTable(
          {tr("Severity"), tr("Rule"), tr("Subject"), tr("Message"), tr("First seen (UTC)"),
              tr("Last seen / resolved (UTC)"), tr("Acknowledged"), tr("State")}))
    , m_acknowledge(new QPushButton(tr("Acknowledge…")))
    , m_result(new QLabel)
    , m_prompt([](QWidget *parent, const QString &what) -> std::optional<QString> {
        bool ok = false;
        const QString note = QInputDialog::getText(parent, tr("Acknowledge alert"),
            tr("Note for %1 (who acts, what is done):").arg(what), QLineEdit::Normal, {}, &ok);
        return ok ? std::optional{note} : std::nullopt;
    })
{
    setObjectName(QStringLiteral("alertsPanel"));
    m_filter->setObjectName(QStringLiteral("filter"));
    m_table->setObjectName(QStringLiteral("alerts"));
    m_acknowledge->setObjectName(QStringLiteral("acknowledge"));
    m_result->setObjectName(QStringLiteral("result"));
    m_filter->addItems({tr("Active"), tr("History"), tr("History: critical only")});
    m_acknowledge->setEnabled(false);
    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_filter);
    bar->addWidget(m_acknowledge);
    bar->addWidget(m_result, 1);
    layout->addLayout(bar);
    layout->addWidget(m_table);
    setWidget(body);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(
            QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning), this);
        m_tray->show();
    }
    connect(m_filter, &QComboBox::currentIndexChanged, this, &AlertsPanel::refill);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const int row = m_table->currentRow();
        m_acknowledge->setEnabled(row >= 0 && row < static_cast<int>(m_shown.size())
            && m_shown[static_cast<std::size_t>(row)].active());
    });
    connect(m_acknowledge, &QPushButton::clicked, this, [this] {
        const int row = m_table->currentRow();
        if (row < 0 || row >= static_cast<int>(m_shown.size()))
            return;
        const model::Alert alert = m_shown[static_cast<std::size_t>(row)];
        const auto note = m_prompt(this,
            QStringLiteral("%1 %2").arg(
                QString::fromStdString(alert.rule), QString::fromStdString(alert.subject)));
        if (!note)
            return;
        m_result->setText(tr("Acknowledging…"));
        emit acknowledgeRequested(
            QString::fromStdString(alert.rule), QString::fromStdString(alert.subject), *note);
    });
    connect(this, &AlertsPanel::criticalAlertRaised, this, [this](const QString &text) {
        if (m_tray)
            m_tray->showMessage(tr("Tickscope: critical alert"), text, QSystemTrayIcon::Critical);
    });
}

void AlertsPanel::showAlerts(
    const std::vector<model::Alert> &active, const std::vector<model::Alert> &history)
{
    std::set<std::pair<std::string, std::string>> critical;
    for (const auto &alert : active) {
        if (alert.severity != model::AlertSeverity::Critical)
            continue;
        critical.emplace(alert.rule, alert.subject);
        if (!m_knownCritical.contains({alert.rule, alert.subject}))
            emit criticalAlertRaised(QString::fromStdString(alert.message));
    }
    const auto criticalCount = static_cast<int>(
        std::ranges::count(active, model::AlertSeverity::Critical, &model::Alert::severity));
    m_knownCritical = std::move(critical);
    m_active = active;
    emit activeCountsChanged(criticalCount, static_cast<int>(active.size()) - criticalCount);
    m_history = history;
    setWindowTitle(active.empty() ? tr("Alerts") : tr("Alerts (%1 active)").arg(active.size()));
    refill();
}

void AlertsPanel::showAcknowledgeResult(bool succeeded, const QString &message)
{
    m_result->setText(succeeded ? tr("Done: %1").arg(message) : tr("Failed: %1").arg(message));
}

void AlertsPanel::refill()
{
    const int filter = m_filter->currentIndex();
    m_shown.clear();
    for (const auto &alert : filter == 0 ? m_active : m_history)
        if (filter != 2 || alert.severity == model::AlertSeverity::Critical)
            m_shown.push_back(alert);
    std::vector<widgets::ValueTable::Row> rows;
    for (const auto &alert : m_shown) {
        const bool critical = alert.severity == model::AlertSeverity::Critical;
        rows.push_back(
            {{QLatin1String(model::severityName(alert.severity)),
                 QString::fromStdString(alert.rule), QString::fromStdString(alert.subject),
                 QString::fromStdString(alert.message), format::time(alert.firstSeen),
                 format::time(alert.resolvedAt.value_or(alert.lastSeen)),
                 alert.acknowledgedBy.empty()
                     ? QString()
                     : QStringLiteral("%1: %2").arg(QString::fromStdString(alert.acknowledgedBy),
                           QString::fromStdString(alert.note)),
                 alert.active() ? tr("active") : tr("resolved")},
                !alert.active() ? Tone::Good
                    : critical  ? Tone::Bad
                                : Tone::Warning,
                QString::fromStdString(alert.message)});
    }
    m_table->setRows(rows);
    m_acknowledge->setEnabled(false);
}

} // namespace tickscope::ui
