// The console's main window: a page list on the left, the pages on the right, the connection
// state in the status bar. The app connects its services' signals to the slots here.
#pragma once

#include "app/model/database_status.h"
#include "app/model/feed_status.h"
#include "app/model/instrument.h"
#include "app/model/storage_status.h"

#include <QMainWindow>
#include <vector>

class QListWidget;
class QStackedWidget;

namespace tickscope::widgets {
class StatusBadge;
}

namespace tickscope::ui {

class AlertsPanel;
class BackupsPage;
class GapsPage;
class ConnectionPage;
class LivePage;
class ReplicationPage;
class SchemaPage;
class StoragePage;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

    // The app connects a page's own signals and slots to its service directly.
    BackupsPage *backupsPage() const { return m_backupsPage; }
    GapsPage *gapsPage() const { return m_gapsPage; }
    AlertsPanel *alertsPanel() const { return m_alertsPanel; }
    ReplicationPage *replicationPage() const { return m_replicationPage; }

public slots:
    void showDatabaseStatus(const tickscope::model::DatabaseStatus &status);
    void setInstruments(const std::vector<tickscope::model::Instrument> &instruments);
    void showFeedStatus(const tickscope::model::FeedStatus &status);
    void showWriterStatus(const tickscope::model::WriterStatus &status);
    void showStorageStatus(const tickscope::model::StorageStatus &status);
    void showSchemaStatus(const tickscope::model::SchemaStatus &status);
    void showActionResult(bool succeeded, const QString &message);

signals:
    void applyMigrationsRequested();
    void applyPoliciesRequested();

private:
    void addPage(const QString &title, QWidget *page);

    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    ConnectionPage *m_connectionPage;
    LivePage *m_livePage;
    StoragePage *m_storagePage;
    SchemaPage *m_schemaPage;
    BackupsPage *m_backupsPage;
    GapsPage *m_gapsPage;
    ReplicationPage *m_replicationPage;
    AlertsPanel *m_alertsPanel;
    widgets::StatusBadge *m_connectionBadge;
};

} // namespace tickscope::ui
