#include "ui/connection_page.h"

#include "widgets/status_badge.h"

#include <QDateTime>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace tickscope::ui {

namespace {

QString yesNo(bool available)
{
    return available ? QObject::tr("yes") : QObject::tr("no");
}

} // namespace

ConnectionPage::ConnectionPage(QWidget *parent)
    : QWidget(parent)
    , m_state(new widgets::StatusBadge(this))
    , m_message(new QLabel(this))
    , m_form(new QFormLayout)
{
    auto *layout = new QVBoxLayout(this);
    auto *title = new QLabel(tr("<h2>Database connection</h2>"), this);
    layout->addWidget(title);
    m_state->setObjectName(QStringLiteral("state"));
    m_state->setStatus(widgets::StatusBadge::Level::Busy, tr("Connecting…"));
    layout->addWidget(m_state);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);
    layout->addLayout(m_form);
    m_endpoint = addRow(tr("Endpoint"), QStringLiteral("endpoint"));
    m_server = addRow(tr("PostgreSQL"), QStringLiteral("server"));
    m_timescale = addRow(tr("TimescaleDB"), QStringLiteral("timescale"));
    m_edition = addRow(tr("Edition"), QStringLiteral("edition"));
    m_features = addRow(tr("Features"), QStringLiteral("features"));
    m_role = addRow(tr("Role"), QStringLiteral("role"));
    m_schema = addRow(tr("Schema version"), QStringLiteral("schema"));
    m_checkedAt = addRow(tr("Checked at"), QStringLiteral("checkedAt"));
    layout->addStretch();
}

QLabel *ConnectionPage::addRow(const QString &label, const QString &objectName)
{
    auto *value = new QLabel(QStringLiteral("–"), this);
    value->setObjectName(objectName);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_form->addRow(label + u':', value);
    return value;
}

void ConnectionPage::showStatus(const model::DatabaseStatus &status)
{
    using Level = widgets::StatusBadge::Level;
    using State = model::DatabaseStatus::State;
    switch (status.state) {
    case State::Connecting:
        m_state->setStatus(Level::Busy, tr("Connecting"));
        break;
    case State::Migrating:
        m_state->setStatus(Level::Busy, tr("Migrating the schema"));
        break;
    case State::Ready:
        m_state->setStatus(Level::Ok, tr("Connected"));
        break;
    case State::Failed:
        m_state->setStatus(Level::Error, tr("Not connected"));
        break;
    }
    m_message->setText(QString::fromStdString(status.message));
    m_message->setVisible(!status.message.empty());
    const QString endpoint = QString::fromStdString(status.endpoint);
    m_endpoint->setText(
        status.embedded ? tr("%1 (embedded local database)").arg(endpoint) : endpoint);
    if (status.state != State::Ready)
        return;

    const auto &caps = status.capabilities;
    m_server->setText(QString::fromStdString(caps.serverVersion));
    m_timescale->setText(caps.timescaleVersion.empty()
            ? tr("not installed")
            : QString::fromStdString(caps.timescaleVersion));
    m_edition->setText(QString::fromLatin1(model::editionName(caps.edition)));
    m_features->setText(tr("compression: %1, continuous aggregates: %2, policies: %3")
            .arg(yesNo(caps.compression), yesNo(caps.continuousAggregates), yesNo(caps.policies)));
    m_role->setText(QString::fromStdString(status.roleDescription));
    m_schema->setText(tr("%1 of %2").arg(status.schemaVersion).arg(status.latestSchemaVersion));
    m_checkedAt->setText(QDateTime::fromStdTimePoint(
        std::chrono::time_point_cast<std::chrono::milliseconds>(status.checkedAt))
            .toString(Qt::ISODate));
}

} // namespace tickscope::ui
