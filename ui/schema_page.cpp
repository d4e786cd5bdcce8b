#include "ui/schema_page.h"

#include "widgets/value_table.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace tickscope::ui {

using Tone = widgets::ValueTable::Tone;

SchemaPage::SchemaPage(QWidget *parent)
    : QWidget(parent)
    , m_migrations(new widgets::ValueTable(
          {tr("Version"), tr("Name"), tr("Applied at"), tr("Applied by"), tr("State")}))
    , m_applyMigrations(new QPushButton(tr("Apply pending migrations…")))
    , m_policies(new widgets::ValueTable({tr("Setting"), tr("Desired"), tr("Actual"), tr("State")}))
    , m_applyPolicies(new QPushButton(tr("Apply policies…")))
    , m_result(new QLabel)
    , m_confirm(askYesNo)
{
    m_migrations->setObjectName(QStringLiteral("migrations"));
    m_applyMigrations->setObjectName(QStringLiteral("applyMigrations"));
    m_policies->setObjectName(QStringLiteral("policies"));
    m_applyPolicies->setObjectName(QStringLiteral("applyPolicies"));
    m_result->setObjectName(QStringLiteral("result"));
    m_result->setWordWrap(true);
    m_applyMigrations->setEnabled(false);
    m_applyPolicies->setEnabled(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<h2>Schema &amp; policies</h2>"), this));
    layout->addWidget(new QLabel(tr("<b>Migrations</b>"), this));
    layout->addWidget(m_migrations, 1);
    layout->addWidget(m_applyMigrations, 0, Qt::AlignLeft);
    layout->addWidget(new QLabel(tr("<b>Storage policies</b> (desired: the config file's "
                                    "[policies])"),
        this));
    layout->addWidget(m_policies, 2);
    layout->addWidget(m_applyPolicies, 0, Qt::AlignLeft);
    layout->addWidget(m_result);

    connect(m_applyMigrations, &QPushButton::clicked, this, [this] {
        ask(tr("Apply %n pending migration(s) to the database? Each is recorded with who "
               "applied it.",
                nullptr, m_pendingMigrations),
            &SchemaPage::applyMigrationsRequested);
    });
    connect(m_applyPolicies, &QPushButton::clicked, this, [this] {
        ask(tr("Change %n policy setting(s) so that the database matches the config file? Each "
               "change is recorded in audit.operator_actions.",
                nullptr, m_differingPolicies),
            &SchemaPage::applyPoliciesRequested);
    });
}

void SchemaPage::ask(const QString &question, void (SchemaPage::*request)())
{
    if (!m_confirm(this, question))
        return;
    m_result->setText(tr("Working…"));
    m_applyMigrations->setEnabled(false);
    m_applyPolicies->setEnabled(false);
    emit(this->*request)();
}

void SchemaPage::showStatus(const model::SchemaStatus &status)
{
    if (!status.error.empty()) {
        m_result->setText(
            tr("Could not read the schema: %1").arg(QString::fromStdString(status.error)));
        return;
    }
    std::vector<widgets::ValueTable::Row> migrations;
    m_pendingMigrations = 0;
    for (const auto &migration : status.migrations) {
        const bool pending = migration.appliedAt.empty();
        m_pendingMigrations += pending ? 1 : 0;
        migrations.push_back({{QStringLiteral("%1").arg(migration.version, 4, 10, QLatin1Char('0')),
                                  QString::fromStdString(migration.name),
                                  QString::fromStdString(migration.appliedAt),
                                  QString::fromStdString(migration.appliedBy),
                                  pending ? tr("pending") : tr("applied")},
            pending ? Tone::Warning : Tone::Good, {}});
    }
    for (const auto &conflict : status.conflicts)
        migrations.push_back({{{}, QString::fromStdString(conflict), {}, {}, tr("conflict")},
            Tone::Bad, tr("An applied migration was changed since; this build will not migrate.")});
    m_migrations->setRows(migrations);
    m_applyMigrations->setEnabled(m_pendingMigrations > 0 && status.conflicts.empty());

    std::vector<widgets::ValueTable::Row> policies;
    m_differingPolicies = 0;
    for (const auto &setting : status.policies) {
        using State = model::PolicySetting::State;
        m_differingPolicies += setting.state == State::Differs ? 1 : 0;
        policies.push_back(
            {{QString::fromStdString(setting.name), QString::fromStdString(setting.desired),
                 QString::fromStdString(setting.actual),
                 QString::fromLatin1(model::stateName(setting.state))},
                setting.state == State::Matches       ? Tone::Good
                    : setting.state == State::Differs ? Tone::Warning
                                                      : Tone::Normal,
                QString::fromStdString(setting.note)});
    }
    m_policies->setRows(policies);
    m_applyPolicies->setEnabled(m_differingPolicies > 0);
}

void SchemaPage::showActionProgress(const QString &line)
{
    m_result->setText(tr("Working… %1").arg(line));
}

void SchemaPage::showActionResult(bool succeeded, const QString &message)
{
    m_result->setText((succeeded ? tr("Done: %1") : tr("Failed: %1")).arg(message));
}

} // namespace tickscope::ui
