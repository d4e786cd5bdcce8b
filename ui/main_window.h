// The console's main window: a page list on the left (Ctrl+1.. for each page), the pages on the
// right, the alerts dock, and a status bar with the database (endpoint, role, edition, schema),
// the ingest rate and the active alerts by severity. When the database cannot be reached, a
// banner over every page gives the server's message, what to check and a Retry button. Window
// geometry, dock layout, the page shown and the theme are kept in QSettings. The app connects its
// services' signals to the slots here and to the pages it hands out.
#pragma once

#include "app/model/database_status.h"
#include "app/model/feed_status.h"
#include "app/model/instrument.h"
#include "app/model/storage_status.h"

#include <QMainWindow>
#include <vector>

class QFrame;
class QLabel;
class QListWidget;
class QPushButton;
class QStackedWidget;

namespace tickscope::widgets {
class StatusBadge;
}

namespace tickscope::ui {

class AlertsPanel;
class BackupsPage;
class BookPage;
class GapsPage;
class LatencyPage;
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
    LivePage *livePage() const { return m_livePage; }
    BookPage *bookPage() const { return m_bookPage; }
    LatencyPage *latencyPage() const { return m_latencyPage; }
    // The pages' titles, in the list's order; showPage() takes an index into it.
    QStringList pageTitles() const;
    void showPage(int index);
    ReplicationPage *replicationPage() const { return m_replicationPage; }

public slots:
    void showDatabaseStatus(const tickscope::model::DatabaseStatus &status);
    void setInstruments(const std::vector<tickscope::model::Instrument> &instruments);
    void showFeedStatus(const tickscope::model::FeedStatus &status);
    void showWriterStatus(const tickscope::model::WriterStatus &status);
    void showStorageStatus(const tickscope::model::StorageStatus &status);
    void showSchemaStatus(const tickscope::model::SchemaStatus &status);
    void showActionProgress(const QString &line);
    void showActionResult(bool succeeded, const QString &message);

signals:
    void retryDatabaseRequested();
    void applyMigrationsRequested();
    void applyPoliciesRequested();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(const QString &title, QWidget *page);
    void buildMenus();
    void showActiveAlerts(int critical, int warning);

    QListWidget *m_pageList;
    QStackedWidget *m_pages;
    ConnectionPage *m_connectionPage;
    LivePage *m_livePage;
    BookPage *m_bookPage;
    LatencyPage *m_latencyPage;
    StoragePage *m_storagePage;
    SchemaPage *m_schemaPage;
    BackupsPage *m_backupsPage;
    GapsPage *m_gapsPage;
    ReplicationPage *m_replicationPage;
    AlertsPanel *m_alertsPanel;
    widgets::StatusBadge *m_connectionBadge;
    QLabel *m_ingestRate;
    QLabel *m_alertCounts;
    QFrame *m_databaseBanner;
    QLabel *m_bannerText;
    QPushButton *m_retry;
};

} // namespace tickscope::ui
