#include "ui/main_window.h"

#include "ui/alerts_panel.h"
#include "ui/backups_page.h"
#include "ui/book_page.h"
#include "ui/color_scheme.h"
#include "ui/connection_page.h"
#include "ui/database_problem.h"
#include "ui/gaps_page.h"
#include "ui/latency_page.h"
#include "ui/live_page.h"
#include "ui/replication_page.h"
#include "ui/schema_page.h"
#include "ui/storage_page.h"
#include "widgets/status_badge.h"
#include "widgets/tick_chart.h"

#include <QActionGroup>
#include <QCloseEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QVBoxLayout>

namespace tickscope::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_pageList(new QListWidget)
    , m_pages(new QStackedWidget)
    , m_connectionPage(new ConnectionPage)
    , m_livePage(new LivePage)
    , m_bookPage(new BookPage)
    , m_latencyPage(new LatencyPage)
    , m_storagePage(new StoragePage)
    , m_schemaPage(new SchemaPage)
    , m_backupsPage(new BackupsPage)
    , m_gapsPage(new GapsPage)
    , m_replicationPage(new ReplicationPage)
    , m_alertsPanel(new AlertsPanel(this))
    , m_connectionBadge(new widgets::StatusBadge)
    , m_ingestRate(new QLabel)
    , m_alertCounts(new QLabel)
    , m_databaseBanner(new QFrame)
    , m_bannerText(new QLabel)
    , m_retry(new QPushButton(tr("&Retry now")))
{
    setWindowTitle(tr("Tickscope"));
    setWindowIcon(QIcon(QStringLiteral(":/tickscope.svg")));
    setObjectName(QStringLiteral("mainWindow")); // saveState() needs the docks' names too
    m_alertsPanel->setObjectName(QStringLiteral("alertsPanel"));
    applyTheme(savedTheme());

    m_databaseBanner->setObjectName(QStringLiteral("databaseBanner"));
    m_databaseBanner->setFrameShape(QFrame::StyledPanel);
    m_databaseBanner->setStyleSheet(
        QStringLiteral("#databaseBanner { background: #8b1e1e; } #databaseBanner QLabel { color: "
                       "white; }"));
    m_bannerText->setObjectName(QStringLiteral("databaseProblem"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retry->setObjectName(QStringLiteral("retryDatabase"));
    auto *banner = new QHBoxLayout(m_databaseBanner);
    banner->addWidget(m_bannerText, 1);
    banner->addWidget(m_retry);
    m_databaseBanner->hide();
    connect(m_retry, &QPushButton::clicked, this, [this] {
        m_bannerText->setText(m_bannerText->text() + tr("\nRetrying…"));
        emit retryDatabaseRequested();
    });

    auto *central = new QWidget(this);
    auto *outer = new QVBoxLayout(central);
    outer->addWidget(m_databaseBanner);
    auto *layout = new QHBoxLayout;
    m_pageList->setFixedWidth(180);
    m_pageList->setObjectName(QStringLiteral("pageList"));
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    outer->addLayout(layout, 1);
    setCentralWidget(central);
    connect(m_pageList, &QListWidget::currentRowChanged, this, [this](int row) {
        m_pages->setCurrentIndex(row);
        QSettings().setValue(QStringLiteral("window/page"), row);
    });

    addPage(tr("Live"), m_livePage);
    addPage(tr("Book"), m_bookPage);
    addPage(tr("Latency"), m_latencyPage);
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
    addDockWidget(Qt::BottomDockWidgetArea, m_alertsPanel);
    connect(m_alertsPanel, &AlertsPanel::activeCountsChanged, this, &MainWindow::showActiveAlerts);
    buildMenus();

    m_connectionBadge->setObjectName(QStringLiteral("connectionBadge"));
    m_connectionBadge->setStatus(widgets::StatusBadge::Level::Busy, tr("Connecting…"));
    m_ingestRate->setObjectName(QStringLiteral("ingestRate"));
    m_ingestRate->setText(tr("ingest: not started"));
    m_alertCounts->setObjectName(QStringLiteral("alertCounts"));
    showActiveAlerts(0, 0);
    statusBar()->addWidget(m_connectionBadge, 1);
    statusBar()->addPermanentWidget(m_ingestRate);
    statusBar()->addPermanentWidget(m_alertCounts);

    const QSettings settings;
    resize(1280, 800);
    resizeDocks({m_alertsPanel}, {150}, Qt::Vertical);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_pageList->setCurrentRow(std::clamp(
        settings.value(QStringLiteral("window/page"), 0).toInt(), 0, m_pageList->count() - 1));
}

void MainWindow::buildMenus()
{
    QMenu *go = menuBar()->addMenu(tr("&Go"));
    for (int index = 0; index < m_pageList->count(); ++index) {
        QAction *action = go->addAction(m_pageList->item(index)->text());
        if (index < 9)
            action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
        connect(action, &QAction::triggered, this, [this, index] { showPage(index); });
    }
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *alerts = m_alertsPanel->toggleViewAction();
    alerts->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    view->addAction(alerts);
    QMenu *theme = view->addMenu(tr("&Theme"));
    auto *themes = new QActionGroup(this);
    const std::pair<QString, Theme> choices[] = {{tr("Follow the desktop"), Theme::FollowDesktop},
        {tr("Light"), Theme::Light}, {tr("Dark"), Theme::Dark}};
    for (const auto &[label, value] : choices) {
        QAction *action = theme->addAction(label);
        action->setCheckable(true);
        action->setChecked(savedTheme() == value);
        action->setObjectName(QStringLiteral("theme%1").arg(static_cast<int>(value)));
        themes->addAction(action);
        connect(action, &QAction::triggered, this, [value] {
            saveTheme(value);
            applyTheme(value);
        });
    }
    // Off by default: the raster engine draws these charts in well under a millisecond; OpenGL
    // helps where the CPU is the scarce part (a large screen, a slow machine).
    QAction *openGL = view->addAction(tr("Draw charts with &OpenGL"));
    openGL->setObjectName(QStringLiteral("chartsOpenGL"));
    openGL->setCheckable(true);
    if (!widgets::TickChart::openGLAvailable()) {
        openGL->setEnabled(false);
        openGL->setStatusTip(tr("No OpenGL context can be made on this display"));
    }
    openGL->setChecked(m_livePage->drawsWithOpenGL());
    connect(openGL, &QAction::toggled, m_livePage, &LivePage::drawWithOpenGL);
    QMenu *database = menuBar()->addMenu(tr("&Database"));
    QAction *retry = database->addAction(tr("&Retry the connection"));
    retry->setShortcut(QKeySequence(Qt::Key_F5));
    connect(retry, &QAction::triggered, this, &MainWindow::retryDatabaseRequested);
}

void MainWindow::addPage(const QString &title, QWidget *page)
{
    m_pageList->addItem(title);
    m_pages->addWidget(page);
}

QStringList MainWindow::pageTitles() const
{
    QStringList titles;
    for (int index = 0; index < m_pageList->count(); ++index)
        titles << m_pageList->item(index)->text();
    return titles;
}

void MainWindow::showPage(int index)
{
    m_pageList->setCurrentRow(index);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

void MainWindow::showActiveAlerts(int critical, int warning)
{
    m_alertCounts->setText(critical + warning == 0
            ? tr("alerts: none")
            : tr("alerts: %1 critical, %2 warning").arg(critical).arg(warning));
    m_alertCounts->setStyleSheet(critical > 0 ? QStringLiteral("color: #d03030; font-weight: bold")
            : warning > 0                     ? QStringLiteral("color: #c07000")
                                              : QString());
}

void MainWindow::showDatabaseStatus(const model::DatabaseStatus &status)
{
    using Level = widgets::StatusBadge::Level;
    using State = model::DatabaseStatus::State;
    m_connectionPage->showStatus(status);
    const QString endpoint = QString::fromStdString(status.endpoint);
    m_databaseBanner->setVisible(status.state == State::Failed);
    switch (status.state) {
    case State::Connecting:
    case State::Migrating:
        m_connectionBadge->setStatus(Level::Busy, tr("Connecting to %1").arg(endpoint));
        break;
    case State::Ready:
        m_connectionBadge->setStatus(Level::Ok,
            tr("%1 as %2 · PostgreSQL %3 · TimescaleDB %4 (%5) · schema %6")
                .arg(endpoint, QString::fromStdString(status.roleDescription),
                    QString::fromStdString(status.capabilities.serverVersion),
                    QString::fromStdString(status.capabilities.timescaleVersion),
                    QString::fromLatin1(model::editionName(status.capabilities.edition)))
                .arg(status.schemaVersion));
        break;
    case State::Failed: {
        m_connectionBadge->setStatus(Level::Error, tr("Database unavailable"));
        const DatabaseProblem problem
            = explainDatabaseProblem(QString::fromStdString(status.message), endpoint);
        m_bannerText->setText(tr("<b>The database cannot be reached.</b> %1<br>%2")
                .arg(problem.message.toHtmlEscaped(), problem.advice.toHtmlEscaped()));
        break;
    }
    }
}

void MainWindow::setInstruments(const std::vector<model::Instrument> &instruments)
{
    m_livePage->setInstruments(instruments);
    m_bookPage->setInstruments(instruments);
}

void MainWindow::showFeedStatus(const model::FeedStatus &status)
{
    m_livePage->showFeedStatus(status);
    m_ingestRate->setText(tr("ingest: %1 msg/s").arg(m_livePage->messagesPerSecond(), 0, 'f', 0));
}

void MainWindow::showWriterStatus(const model::WriterStatus &status)
{
    m_livePage->showWriterStatus(status);
    m_latencyPage->showWriterStatus(status);
}

void MainWindow::showStorageStatus(const model::StorageStatus &status)
{
    m_storagePage->showStatus(status);
    m_latencyPage->showStorageStatus(status);
}

void MainWindow::showSchemaStatus(const model::SchemaStatus &status)
{
    m_schemaPage->showStatus(status);
}

void MainWindow::showActionProgress(const QString &line)
{
    m_schemaPage->showActionProgress(line);
}

void MainWindow::showActionResult(bool succeeded, const QString &message)
{
    m_schemaPage->showActionResult(succeeded, message);
}

} // namespace tickscope::ui
