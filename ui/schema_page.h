// The Schema & policies page: applied and pending migrations with a button that applies them,
// and the storage policies desired against actual with a button that applies them. Each action
// asks first; the storage monitor carries it out (and audits it) and reports back here.
#pragma once

#include "app/model/storage_status.h"
#include "ui/confirmation.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace tickscope::widgets {
class ValueTable;
}

namespace tickscope::ui {

class SchemaPage : public QWidget
{
    Q_OBJECT
public:
    explicit SchemaPage(QWidget *parent = nullptr);
    void setConfirmation(Confirmation confirmation) { m_confirm = std::move(confirmation); }

public slots:
    void showStatus(const tickscope::model::SchemaStatus &status);
    void showActionProgress(const QString &line);
    void showActionResult(bool succeeded, const QString &message);

signals:
    void applyMigrationsRequested();
    void applyPoliciesRequested();

private:
    void ask(const QString &question, void (SchemaPage::*request)());

    widgets::ValueTable *m_migrations;
    QPushButton *m_applyMigrations;
    widgets::ValueTable *m_policies;
    QPushButton *m_applyPolicies;
    QLabel *m_result;
    Confirmation m_confirm;
    int m_pendingMigrations = 0;
    int m_differingPolicies = 0;
};

} // namespace tickscope::ui
