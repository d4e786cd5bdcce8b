// The Prometheus endpoint of the running main job, scraped as Prometheus would: the headless
// job ingests the simulated exchange into its own embedded database with [http] listen on a free
// loopback port; /metrics answers, passes `promtool check metrics` (Debian's prometheus), holds
// the feed's figures, and names every metric that the Grafana dashboard in resources/ queries.
// The query API beside it answers from the same job (its own test: test_query_api).
#include "tests/support/http_get.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/test_cluster.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>
#include <csignal>

using namespace tickscope;

namespace {

// Every "expr" of a Grafana dashboard, wherever its panels hold them.
void collectExpressions(const QJsonValue &value, QStringList &out)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("expr"))
                out << it.value().toString();
            else
                collectExpressions(it.value(), out);
        }
    } else if (value.isArray()) {
        for (const QJsonValue &item : value.toArray())
            collectExpressions(item, out);
    }
}

} // namespace

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_sandbox.isValid());
        m_port = testing::TestCluster::freePort();
        QDir().mkpath(m_sandbox.filePath(QStringLiteral("config/tickscope")));
        QFile config{m_sandbox.filePath(QStringLiteral("config/tickscope/tickscope.toml"))};
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral("[http]\nlisten = \"127.0.0.1:%1\"\n").arg(m_port).toUtf8());
        config.close();
        m_job.setProcessEnvironment(m_sandbox.environment());
        m_job.start(QStringLiteral(TICKSCOPE_BINARY), {QStringLiteral("--headless")});
        QString out;
        QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(m_job.readAllStandardOutput()),
                                     out.contains(QStringLiteral("tickscope: ready |"))),
            90'000);
    }

    void cleanupTestCase()
    {
        if (m_job.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(m_job.processId()), SIGINT);
            m_job.waitForFinished(60'000);
        }
        testing::runTickscope(
            {QStringLiteral("local-db"), QStringLiteral("stop")}, m_sandbox.environment());
    }

    void scrapePassesPromtoolAndCarriesTheFeed()
    {
        QByteArray scrape;
        const auto ready = [&] {
            scrape = get();
            return scrape.contains("tickscope_feed_up{feed=\"simulated\",state=\"live\"} 1\n")
                && scrape.contains("tickscope_rows_committed_total{feed=\"simulated\"} ")
                && !scrape.contains("tickscope_rows_committed_total{feed=\"simulated\"} 0\n");
        };
        QTRY_VERIFY_WITH_TIMEOUT(ready(), 60'000);
        QVERIFY(scrape.contains("tickscope_alerts_active{severity=\"critical\"} 0\n"));
        QVERIFY(scrape.contains("tickscope_server_in_recovery 0\n"));
        QVERIFY(scrape.contains("# TYPE tickscope_commit_latency_seconds histogram\n"));
        QVERIFY(scrape.contains(
            "tickscope_commit_latency_seconds_bucket{feed=\"simulated\",le=\"+Inf\"} "));
        // The batches' time by phase: their COPYs took some.
        static const QRegularExpression copySeconds{QStringLiteral(
            R"(\ntickscope_writer_seconds_total\{feed="simulated",phase="copy"\} ([0-9.e+-]+)\n)")};
        const auto copy = copySeconds.match(QString::fromUtf8(scrape));
        QVERIFY2(copy.hasMatch(), scrape.constData());
        QVERIFY(copy.captured(1).toDouble() > 0);

        QProcess promtool;
        promtool.setProcessChannelMode(QProcess::MergedChannels);
        promtool.start(
            QStringLiteral("promtool"), {QStringLiteral("check"), QStringLiteral("metrics")});
        QVERIFY2(promtool.waitForStarted(), "promtool is missing: Debian's package is prometheus");
        promtool.write(scrape);
        promtool.closeWriteChannel();
        QVERIFY(promtool.waitForFinished(30'000));
        const QByteArray verdict = promtool.readAll();
        QVERIFY2(promtool.exitCode() == 0 && verdict.trimmed().isEmpty(), verdict.constData());

        // The dashboard queries only what is scraped.
        QFile file{QStringLiteral(TICKSCOPE_SOURCE_DIR "/resources/grafana/tickscope.json")};
        QVERIFY(file.open(QIODevice::ReadOnly));
        QStringList expressions;
        collectExpressions(QJsonDocument::fromJson(file.readAll()).object(), expressions);
        QVERIFY(expressions.size() >= 10);
        static const QRegularExpression names{QStringLiteral(R"(tickscope_[a-z0-9_]+)")};
        // A histogram's series are named after its family: NAME_bucket, NAME_sum, NAME_count.
        static const QRegularExpression histogramSeries{QStringLiteral(R"(_(bucket|sum|count)$)")};
        QSet<QString> queried;
        for (const QString &expression : expressions)
            for (const auto &match : names.globalMatch(expression))
                queried << match.captured().remove(histogramSeries);
        for (const QString &name : queried)
            QVERIFY2(scrape.contains(("# TYPE " + name + ' ').toUtf8()), qPrintable(name));
    }

    // The query API beside /metrics answers from the job's own database, as its reader.
    void queryApiAnswersFromTheRunningJob()
    {
        QJsonArray trades;
        QTRY_VERIFY_WITH_TIMEOUT(
            (trades = QJsonDocument::fromJson(get("/api/v1/latest?exchange=simulated"))
                    .object()[u"trades"]
                    .toArray(),
                trades.size() == 4),
            30'000);
        for (const auto &trade : trades)
            QVERIFY(trade.toObject()[u"price"].toString().toDouble() > 0);
    }

    void unknownPathIsNotFound()
    {
        QCOMPARE(
            testing::httpGet(static_cast<quint16>(m_port), QStringLiteral("/nothing")).status, 404);
    }

private:
    QByteArray get(const char *path = "/metrics")
    {
        return testing::httpGet(
            static_cast<quint16>(m_port), QLatin1String(path), {}, std::chrono::seconds(10))
            .body;
    }

    testing::EmbeddedSandbox m_sandbox;
    int m_port = 0;
    QProcess m_job;
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
