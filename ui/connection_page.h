// The console's first page: which database Tickscope talks to, what server and TimescaleDB
// edition it runs, what that edition can do, and the schema version.
#pragma once

#include "app/model/database_status.h"

#include <QWidget>

class QFormLayout;
class QLabel;

namespace tickscope::widgets {
class StatusBadge;
}

namespace tickscope::ui {

class ConnectionPage : public QWidget
{
    Q_OBJECT
public:
    explicit ConnectionPage(QWidget *parent = nullptr);

public slots:
    void showStatus(const tickscope::model::DatabaseStatus &status);

private:
    QLabel *addRow(const QString &label, const QString &objectName);

    widgets::StatusBadge *m_state;
    QLabel *m_message;
    QLabel *m_endpoint;
    QLabel *m_server;
    QLabel *m_timescale;
    QLabel *m_edition;
    QLabel *m_features;
    QLabel *m_role;
    QLabel *m_schema;
    QLabel *m_checkedAt;
    QFormLayout *m_form;
};

} // namespace tickscope::ui
