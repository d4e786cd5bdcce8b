#include "ui/main_window.h"

#include "ui/alerts_panel.h"
#include "ui/backups_page.h"
#include "ui/connection_page.h"
#include "ui/gaps_page.h"
#include "ui/live_page.h"
#include "ui/replication_page.h"
#include "ui/schema_page.h"
#include "ui/storage_page.h"
#include "widgets/status_badge.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QStackedWidget>
#include <QStatusBar>

namespace tickscope::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_pageList(new QListWidget)
    , m_pages(new QStackedWidget)
    , m_connectionPage(new ConnectionPage)
    , m_livePage(new LivePage)
    , m_storagePage(new StoragePage)
    , m_schemaPage(new SchemaPage)
    , m_backupsPage(new BackupsPage)
    , m_gapsPage(new GapsPage)
    , m_replicationPage(new ReplicationPage)
    , m_alertsPanel(new AlertsPanel(this))
    , m_connectionBadge(new widgets::StatusBadge)
{
    setWindowTitle(tr("Tickscope"));
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    m_pageList->setFixedWidth(180);
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);
    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);

    addPage(tr("Live"), m_livePage);
    addPage(tr("Storage"), m_storagePage);
    addPage(tr("Schema & policies"), m_schemaPage);
    addPage(tr("Gaps"), m_gapsPage);
    addPage(tr("Replication"), m_replicationPage);
    addPage(tr("Backups"), m_backupsPage);
    addPage(tr("Connection"), m_connectionPage);
    connect(m_schemaPage, &SchemaPage::applyMigrationsRequested, this,
        &MainWindow::applyMigrationsRequested);
    connect(m_schemaPage, &SchemaPage::applyPoliciesRequested, this,
        &MainWindow::applyPoliciesRequested);
    m_pageList->setCurrentRow(0);
    addDockWidget(Qt::BottomDockWidgetArea, m_alertsPanel);
    menuBar()->addMenu(tr("&View"))->addAction(m_alertsPanel->toggleViewAction());

    m_connectionBadge->setObjectName(QStringLiteral("connectionBadge"));
    m_connectionBadge->setStatus(widgets::StatusBadge::Level::Busy, tr("Connecting…"));
    statusBar()->addWidget(m_connectionBadge, 1);
    resize(960, 600);
}

void MainWindow::addPage(const QString &title, QWidget *page)
{
    m_pageList->addItem(title);
    m_pages->addWidget(page);
}

void MainWindow::showDatabaseStatus(const model::DatabaseStatus &status)
{
    using Level = widgets::StatusBadge::Level;
    using State = model::DatabaseStatus::State;
    m_connectionPage->showStatus(status);
    const QString endpoint = QString::fromStdString(status.endpoint);
    switch (status.state) {
    case State::Connecting:
    case State::Migrating:
        m_connectionBadge->setStatus(Level::Busy, tr("Connecting to %1").arg(endpoint));
        break;
    case State::Ready:
        m_connectionBadge->setStatus(Level::Ok,
            tr("%1 · PostgreSQL %2 · TimescaleDB %3 (%4) · schema %5")
                .arg(endpoint, QString::fromStdString(status.capabilities.serverVersion),
                    QString::fromStdString(status.capabilities.timescaleVersion),
                    QString::fromLatin1(model::editionName(status.capabilities.edition)))
                .arg(status.schemaVersion));
        break;
    case State::Failed:
        m_connectionBadge->setStatus(Level::Error, tr("Database unavailable"));
        break;
    }
}

} // namespace tickscope::ui

namespace tickscope::ui {

void MainWindow::setInstruments(const std::vector<model::Instrument> &instruments)
{
    m_livePage->setInstruments(instruments);
}

void MainWindow::showFeedStatus(const model::FeedStatus &status)
{
    m_livePage->showFeedStatus(status);
}

void MainWindow::showWriterStatus(const model::WriterStatus &status)
{
    m_livePage->showWriterStatus(status);
}

} // namespace tickscope::ui

namespace tickscope::ui {

void MainWindow::showStorageStatus(const model::StorageStatus &status)
{
    m_storagePage->showStatus(status);
}

void MainWindow::showSchemaStatus(const model::SchemaStatus &status)
{
    m_schemaPage->showStatus(status);
}

void MainWindow::showActionResult(bool succeeded, const QString &message)
{
    m_schemaPage->showActionResult(succeeded, message);
}

} // namespace tickscope::ui
