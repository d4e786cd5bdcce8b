// The console's main window: a page list on the left, the pages on the right, the connection
// state in the status bar. The app connects its services' signals to the slots here.
#pragma once

#include "app/model/database_status.h"

#include <QMainWindow>

class QListWidget;
class QStackedWidget;

namespace tickscope::widgets {
class StatusBadge;
}

namespace tickscope::ui {

class ConnectionPage;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

public slots:
    void showDatabaseStatus(const tickscope::model::DatabaseStatus &status);

private:
    void addPage(const QString &title, QWidget *page);

    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    ConnectionPage *m_connectionPage;
    widgets::StatusBadge *m_connectionBadge;
};

} // namespace tickscope::ui
