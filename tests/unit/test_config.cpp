// The config file and how the database to use is chosen.
#include "app/config/config.h"
#include "app/feeds/adapter_registry.h"
#include "app/services/database_session.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <unistd.h>

using namespace tickscope::app;

namespace {

// `toml` as the whole text of a config file the user named, loaded as Tickscope loads one.
std::expected<Config, std::string> loadText(const QByteArray &toml)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tickscope.toml"));
    QFile file{path};
    if (!file.open(QIODevice::WriteOnly) || file.write(toml) != toml.size())
        return std::unexpected("cannot write " + path.toStdString());
    file.close();
    return loadConfig(path, true);
}

} // namespace

class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        for (const char *variable :
            {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"})
            qunsetenv(variable);
    }

    void parses_data()
    {
        QTest::addColumn<QByteArray>("toml");
        QTest::addColumn<QString>("conninfo");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty file") << QByteArray() << QString() << QString();
        QTest::newRow("conninfo string")
            << QByteArray("[database]\nconninfo = \"host=db.example port=5433\"\n")
            << QStringLiteral("host=db.example port=5433") << QString();
        QTest::newRow("URI") << QByteArray("[database]\nconninfo = 'postgresql://u@h/db'\n")
                             << QStringLiteral("postgresql://u@h/db") << QString();
        QTest::newRow("unknown section") << QByteArray("[databse]\nconninfo = \"x\"\n") << QString()
                                         << QStringLiteral("unknown section [databse] (line 1");
        QTest::newRow("unknown key") << QByteArray("[database]\nconinfo = \"x\"\n") << QString()
                                     << QStringLiteral("unknown key database.coninfo (line 2");
        QTest::newRow("wrong type")
            << QByteArray("[database]\nconninfo = 5\n") << QString()
            << QStringLiteral("database.conninfo must be a non-empty string");
        QTest::newRow("empty string")
            << QByteArray("[database]\nconninfo = \"\"\n") << QString()
            << QStringLiteral("database.conninfo must be a non-empty string");
        QTest::newRow("password in conninfo")
            << QByteArray("[database]\nconninfo = \"host=db user=u password=hunter2\"\n")
            << QString() << QStringLiteral("database.conninfo holds a password");
        QTest::newRow("password in URI")
            << QByteArray("[database]\nconninfo = \"postgresql://u:hunter2@db/market\"\n")
            << QString() << QStringLiteral("database.conninfo holds a password");
        QTest::newRow("reader conninfo")
            << QByteArray("[database]\nconninfo = \"host=db\"\nreader_conninfo = \"host=db "
                          "user=api\"\n")
            << QStringLiteral("host=db") << QString();
        QTest::newRow("password in reader conninfo")
            << QByteArray("[database]\nconninfo = \"host=db\"\nreader_conninfo = \"host=db "
                          "password=hunter2\"\n")
            << QString() << QStringLiteral("database.reader_conninfo holds a password");
        QTest::newRow("reader conninfo alone")
            << QByteArray("[database]\nreader_conninfo = \"host=db user=api\"\n") << QString()
            << QStringLiteral("database.reader_conninfo needs conninfo beside it");
        QTest::newRow("http listen not an address")
            << QByteArray("[http]\nlisten = \"localhost\"\n") << QString()
            << QStringLiteral("http.listen must be an address like");
        QTest::newRow("backup and alerts")
            << QByteArray("[backup]\ncommand = \"ssh db1 pgbackrest\"\nstanza = \"main\"\n"
                          "retention_full = 4\nevery = \"6 hours\"\n[alerts]\nwebhook = "
                          "\"http://127.0.0.1:9/h\"\n[alerts.replication_lag_seconds]\n"
                          "threshold = 5\nduration = \"10 seconds\"\n[alerts.connections]\n"
                          "enabled = false\n")
            << QString() << QString();
        QTest::newRow("backup stanza with a space")
            << QByteArray("[backup]\nstanza = \"my stanza\"\n") << QString()
            << QStringLiteral("backup.stanza may hold only letters");
        QTest::newRow("backup every zero")
            << QByteArray("[backup]\nevery = \"0 days\"\n") << QString()
            << QStringLiteral("backup.every \"0 days\" is not an interval");
        QTest::newRow("unknown alert rule")
            << QByteArray("[alerts.replication_lag]\nthreshold = 5\n") << QString()
            << QStringLiteral("[alerts.replication_lag] is no alert rule (line 1");
        QTest::newRow("negative alert threshold")
            << QByteArray("[alerts.connections]\nthreshold = -1\n") << QString()
            << QStringLiteral("alerts.connections.threshold must be a number, 0 or more");
        QTest::newRow("alert duration without unit")
            << QByteArray("[alerts.connections]\nduration = \"30\"\n") << QString()
            << QStringLiteral("alerts.connections.duration");
        QTest::newRow("webhook not http")
            << QByteArray("[alerts]\nwebhook = \"ftp://x\"\n") << QString()
            << QStringLiteral("alerts.webhook must be an https:// URL (http:// only to this "
                              "machine)");
        QTest::newRow("webhook in clear text off this machine")
            << QByteArray("[alerts]\nwebhook = \"http://hooks.example/desk\"\n") << QString()
            << QStringLiteral("alerts.webhook must be an https:// URL");
        QTest::newRow("maintenance of an unknown feed")
            << QByteArray("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\n"
                          "[[alerts.maintenance]]\nfeed = \"binanse\"\n"
                          "from = \"2026-12-03T02:00:00Z\"\nto = \"2026-12-03T04:00:00Z\"\n")
            << QString()
            << QStringLiteral("alerts.maintenance names feed \"binanse\", which no "
                              "[exchanges.NAME] section configures");
        QTest::newRow("maintenance without zone")
            << QByteArray("[[alerts.maintenance]]\nfeed = \"binance\"\n"
                          "from = \"2026-12-03 02:00\"\nto = \"2026-12-03T04:00:00Z\"\n")
            << QString()
            << QStringLiteral("alerts.maintenance.from \"2026-12-03 02:00\" is not a time with "
                              "its zone");
        // Found by fuzz_config: on eeff8bb such a year overflowed the window's ns.
        QTest::newRow("maintenance past 2262")
            << QByteArray("[[alerts.maintenance]]\nfeed = \"binance\"\n"
                          "from = \"4053-12-03T02:00:00Z\"\nto = \"4054-12-03T04:00:00Z\"\n")
            << QString()
            << QStringLiteral("alerts.maintenance.from \"4053-12-03T02:00:00Z\" is outside "
                              "1970-01-01 .. 2262-03-31");
        QTest::newRow("maintenance ending first")
            << QByteArray("[[alerts.maintenance]]\nfeed = \"binance\"\n"
                          "from = \"2026-12-03T04:00:00Z\"\nto = \"2026-12-03T02:00:00Z\"\n")
            << QString() << QStringLiteral("alerts.maintenance.to must come after from");
        QTest::newRow("maintenance without to")
            << QByteArray("[[alerts.maintenance]]\nfeed = \"binance\"\n"
                          "from = \"2026-12-03T04:00:00Z\"\n")
            << QString() << QStringLiteral("alerts.maintenance needs to");
        QTest::newRow("not a table") << QByteArray("database = 1\n") << QString()
                                     << QStringLiteral("'database' must be a table");
        QTest::newRow("syntax error")
            << QByteArray("[database\n") << QString() << QStringLiteral("line 1");
        QTest::newRow("binance without symbols")
            << QByteArray("[exchanges.binance]\ntime_unit = \"ms\"\n") << QString()
            << QStringLiteral("exchanges.binance.symbols is missing");
        QTest::newRow("binance symbol of unknown quote")
            << QByteArray("[exchanges.binance]\nsymbols = [\"BTCXYZ\"]\n") << QString()
            << QStringLiteral("cannot tell the base and quote assets of \"BTCXYZ\"");
        QTest::newRow("binance lower-case symbol")
            << QByteArray("[exchanges.binance]\nsymbols = [\"btc/usdt\"]\n") << QString()
            << QStringLiteral("is not BASE/QUOTE in capitals");
        QTest::newRow("binance duplicate symbol in two spellings")
            << QByteArray(
                   "[exchanges.binance]\nsymbols = [\"BTCUSDT\", \"ETHUSDT\", \"BTC/USDT\"]\n")
            << QString()
            << QStringLiteral("exchanges.binance.symbols names BTCUSDT twice (\"BTC/USDT\" "
                              "repeats an earlier entry) (line 2, column 34)");
        QTest::newRow("binance http websocket url")
            << QByteArray(
                   "[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\nwebsocket_url = \"http://x\"\n")
            << QString() << QStringLiteral("websocket_url must be a ws or wss URL");
        QTest::newRow("binance time unit")
            << QByteArray("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\ntime_unit = \"ns\"\n")
            << QString() << QStringLiteral("time_unit must be \"ms\" or \"us\"");
        QTest::newRow("kraken depth")
            << QByteArray("[exchanges.kraken]\nsymbols = [\"BTC/USD\"]\ndepth = \"20\"\n")
            << QString() << QStringLiteral("depth must be \"10\" or \"25\"");
        QTest::newRow("unknown exchange")
            << QByteArray("[exchanges.deribit]\nsymbols = [\"BTCUSD\"]\n") << QString()
            << QStringLiteral("[exchanges.deribit]: \"deribit\" is no exchange Tickscope speaks; "
                              "it speaks binance");
        QTest::newRow("unknown adapter named")
            << QByteArray("[exchanges.desk]\nadapter = \"binanse\"\nsymbols = [\"BTCUSDT\"]\n")
            << QString()
            << QString::fromStdString(std::format("\"binanse\" is no exchange Tickscope speaks; it "
                                                  "speaks {} (name one with adapter = \"...\") "
                                                  "(line 2",
                   tickscope::feeds::adapterNames()));
        QTest::newRow("another adapter's setting")
            << QByteArray("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\nchecksum = \"crc32\"\n")
            << QString()
            << QStringLiteral("unknown key exchanges.binance.checksum (line 3, column 12); "
                              "binance takes symbols, adapter, websocket_url, rest_url, time_unit");
        QTest::newRow("streams per connection below one symbol's")
            << QByteArray("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\n"
                          "streams_per_connection = 1\n")
            << QString()
            << QStringLiteral("exchanges.binance.streams_per_connection must be a whole number "
                              "from 2 to 1024, not \"1\" (line 3");
        QTest::newRow("feed name in capitals")
            << QByteArray("[exchanges.Binance]\nsymbols = [\"BTCUSDT\"]\n") << QString()
            << QStringLiteral("a feed's name is lower case letters, digits and _");
        QTest::newRow("exchange not a table")
            << QByteArray("[exchanges]\nbinance = 1\n") << QString()
            << QStringLiteral("exchanges.binance must be a table (line 2");
        QTest::newRow("batch rows zero")
            << QByteArray("[ingest]\nbatch_rows = 0\n") << QString()
            << QStringLiteral("ingest.batch_rows must be a whole number from 1");
        QTest::newRow("policy interval without unit")
            << QByteArray("[policies.trades]\ndrop_after = \"365\"\n") << QString()
            << QStringLiteral("policies.trades.drop_after \"365\" is not an interval like "
                              "\"7 days\" (a whole number from 1 to 100000 and one of seconds, "
                              "minutes, hours, days, weeks, months, years), or \"never\" (line 2");
        QTest::newRow("policy interval of unknown unit")
            << QByteArray("[policies]\nrefresh_every = \"2 fortnights\"\n") << QString()
            << QStringLiteral("policies.refresh_every \"2 fortnights\" is not an interval");
        QTest::newRow("chunk interval never")
            << QByteArray("[policies.trades]\nchunk_interval = \"never\"\n") << QString()
            << QStringLiteral("policies.trades.chunk_interval \"never\" is not an interval");
        QTest::newRow("policies of an unknown table")
            << QByteArray("[policies.ticks]\ndrop_after = \"1 year\"\n") << QString()
            << QStringLiteral("unknown key policies.ticks (line 1");
        QTest::newRow("hold of a bad exchange name")
            << QByteArray("[policies]\nhold = [\"Binance\"]\n") << QString()
            << QStringLiteral("policies.hold holds \"exchange\" or \"exchange:SYMBOL\" entries");
        QTest::newRow("hold twice")
            << QByteArray("[policies]\nhold = [\"binance:BTCUSDT\", \"binance:BTCUSDT\"]\n")
            << QString() << QStringLiteral("policies.hold names binance:BTCUSDT twice");
        QTest::newRow("segment size as text")
            << QByteArray("[journal]\nsegment_mb = \"big\"\n") << QString()
            << QStringLiteral("journal.segment_mb must be");
    }

    void parses()
    {
        QFETCH(QByteArray, toml);
        QFETCH(QString, conninfo);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tickscope.toml"));
        QFile file{path};
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(toml);
        file.close();

        const auto config = loadConfig(path, true);
        if (!error.isEmpty()) {
            QVERIFY(!config);
            QVERIFY2(
                QString::fromStdString(config.error()).contains(error), config.error().c_str());
            QVERIFY(QString::fromStdString(config.error()).startsWith(path));
            QVERIFY(!QString::fromStdString(config.error()).contains(QStringLiteral("hunter2")));
            return;
        }
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(QString::fromStdString(config->databaseConninfo.value_or("")), conninfo);
        QCOMPARE(config->path, path);
    }

    void symbolsTakeTheExchangesForm()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("tickscope.toml"));
        QFile file{path};
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[exchanges.binance]\nsymbols = [\"BTC/USDT\"]\n"
                   "[exchanges.okx]\nsymbols = [\"BTC/USDT\", \"ETHUSDT\", \"SOL-USDT\"]\n"
                   "[exchanges.kraken]\nsymbols = [\"BTC-USD\"]\ndepth = \"25\"\n");
        file.close();
        const auto config = loadConfig(path, true);
        QVERIFY2(config, config ? "" : config.error().c_str());
        std::map<std::string, std::vector<std::string>> symbols;
        for (const auto &feed : config->feeds)
            for (const auto &instrument : feed.instruments)
                symbols[feed.feed].push_back(instrument.symbol);
        QCOMPARE(symbols["binance"], std::vector<std::string>{"BTCUSDT"});
        QCOMPARE(symbols["okx"], (std::vector<std::string>{"BTC-USDT", "ETH-USDT", "SOL-USDT"}));
        QCOMPARE(symbols["kraken"], std::vector<std::string>{"BTC/USD"});
    }

    void httpTokenIsRequiredOffLoopback_data()
    {
        QTest::addColumn<QByteArray>("listen");
        QTest::addColumn<QByteArray>("token"); // the token file's contents; empty: no file
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("error");
        QTest::newRow("loopback without token")
            << QByteArray("127.0.0.1:9464") << QByteArray() << 0600 << QString();
        QTest::newRow("all interfaces without token")
            << QByteArray("0.0.0.0:9464") << QByteArray() << 0600
            << QStringLiteral("http.listen 0.0.0.0 is not a loopback address, so clients must "
                              "send a bearer token: set http.token_file");
        QTest::newRow("all interfaces with token")
            << QByteArray("[::]:9464") << QByteArray("0123456789abcdef0123\n") << 0600 << QString();
        QTest::newRow("short token")
            << QByteArray("127.0.0.1:9464") << QByteArray("secret\n") << 0600
            << QStringLiteral("must hold a token of 16 characters");
        QTest::newRow("token everyone may read")
            << QByteArray("127.0.0.1:9464") << QByteArray("0123456789abcdef0123") << 0644
            << QStringLiteral("is readable by every user of this machine; chmod 600 it");
    }

    void httpTokenIsRequiredOffLoopback()
    {
        QFETCH(QByteArray, listen);
        QFETCH(QByteArray, token);
        QFETCH(int, mode);
        QFETCH(QString, error);
        QTemporaryDir dir;
        QByteArray toml = "[http]\nlisten = \"" + listen + "\"\n";
        if (!token.isEmpty()) {
            QFile file{dir.filePath(QStringLiteral("token"))};
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(token);
            file.close();
            QVERIFY(QFile::setPermissions(file.fileName(),
                QFileDevice::ReadOwner | QFileDevice::WriteOwner
                    | (mode & 0044 ? QFileDevice::ReadGroup | QFileDevice::ReadOther
                                   : QFileDevice::Permissions())));
            // A root-owned token file may be readable (Docker secrets): the test's is nobody's.
            if (::geteuid() == 0)
                QCOMPARE(::chown(QFile::encodeName(file.fileName()).constData(), 65534, 65534), 0);
            toml += "token_file = \"" + file.fileName().toUtf8() + "\"\n";
        }
        const auto config = loadText(toml);
        if (!error.isEmpty()) {
            QVERIFY(!config);
            QVERIFY2(
                QString::fromStdString(config.error()).contains(error), config.error().c_str());
            QVERIFY(!QString::fromStdString(config.error()).contains(QStringLiteral("0123456789")));
            return;
        }
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(config->http.token, token.trimmed());
    }

    void readsMaintenanceWindows()
    {
        const auto config = loadText(
            "[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\n"
            "[[alerts.maintenance]]\nfeed = \"binance\"\nfrom = \"2026-12-03T02:00:00Z\"\n"
            "to = \"2026-12-03T04:00:00+01:00\"\nnote = \"spot upgrade\"\n");
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(config->alerts.maintenance.size(), std::size_t(1));
        const auto &window = config->alerts.maintenance.front();
        QCOMPARE(window.feed, std::string("binance"));
        QCOMPARE(window.note, std::string("spot upgrade"));
        // 04:00 at +01:00 is 03:00 UTC: an hour after 02:00 UTC.
        QCOMPARE(
            std::chrono::duration_cast<std::chrono::minutes>(window.to - window.from).count(), 60);
    }

    void readsEverySection()
    {
        const auto config = loadText(
            "[journal]\ndirectory = \"/data/journal\"\nsegment_mb = 64\nsync_interval_ms = 50\n"
            "[ingest]\nbatch_rows = 5000\nflush_interval_ms = 20\n"
            "[exchanges.binance]\nsymbols = [\"BTCUSDT\", \"PEPE/FDUSD\"]\n"
            "websocket_url = \"ws://127.0.0.1:9000\"\nrest_url = \"http://127.0.0.1:9001\"\n"
            "time_unit = \"us\"\n");
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(config->journalDirectory, QStringLiteral("/data/journal"));
        QCOMPARE(config->journalSegmentBytes, 64ull << 20);
        QCOMPARE(config->journalSyncInterval.count(), 50);
        QCOMPARE(config->batchRows, std::size_t(5000));
        QCOMPARE(config->flushInterval.count(), 20);
        QCOMPARE(config->feeds.size(), std::size_t(1));
        const auto &feed = config->feeds.front();
        QCOMPARE(feed.feed, std::string("binance"));
        QCOMPARE(feed.adapter, std::string("binance"));
        QCOMPARE(feed.options.at("websocket_url"), std::string("ws://127.0.0.1:9000"));
        QCOMPARE(feed.instruments.size(), std::size_t(2));
        // The adapter stamps its instruments with the unit its stream sends.
        const auto adapter = tickscope::feeds::createAdapter(feed);
        const tickscope::model::Instrument pepe{"binance", "PEPEFDUSD", "PEPE", "FDUSD", "us"};
        QCOMPARE(adapter->instruments().at(1), pepe);
        const std::vector<std::uint32_t> both{0, 1};
        QCOMPARE(adapter->streamUrl(both).host(), QStringLiteral("127.0.0.1"));
    }

    void readsPolicies()
    {
        const auto config = loadText(
            "[policies]\nhold = [\"coinbase\", \"binance:BTCUSDT\"]\nhold_for = \"10 years\"\n"
            "refresh_every = \"30 seconds\"\nsample_every = \"15 minutes\"\n"
            "[policies.book_deltas]\n"
            "compress_after = \"1 day\"\ndrop_after = \"never\"\n");
        QVERIFY2(config, config ? "" : config.error().c_str());
        using Unit = tickscope::model::PolicyInterval::Unit;
        const auto &policy = config->policy;
        QCOMPARE(policy.holds.size(), std::size_t(2));
        QCOMPARE(policy.holds[1].symbol.value_or(""), std::string("BTCUSDT"));
        QVERIFY(!policy.holds[0].symbol);
        QCOMPARE(policy.holdFor.text(), std::string("10 years"));
        QCOMPARE(policy.refreshEvery, (tickscope::model::PolicyInterval{30, Unit::Seconds}));
        // Accepted and documented, and read (eeff8bb left it at its default).
        QCOMPARE(policy.sampleEvery, (tickscope::model::PolicyInterval{15, Unit::Minutes}));
        const auto &deltas = policy.hypertables.at(2);
        QCOMPARE(deltas.hypertable, std::string("book_deltas"));
        QCOMPARE(deltas.compressAfter->text(), std::string("1 day"));
        QVERIFY(!deltas.dropAfter);
        // Untouched tables keep the request's defaults.
        QCOMPARE(policy.hypertables.at(0).dropAfter->text(), std::string("1 year"));
        QCOMPARE(policy.hypertables.at(0).compressAfter->text(), std::string("7 days"));
    }

    // Two feeds of one protocol, each under its own name: its own journal and instruments.
    void readsFeedsOfOneAdapter()
    {
        const auto config
            = loadText("[exchanges.binance]\nsymbols = [\"BTCUSDT\"]\n"
                       "[exchanges.binance_us]\nadapter = \"binance\"\nsymbols = [\"BTC/USD\"]\n"
                       "websocket_url = \"wss://stream.binance.us:9443\"\n"
                       "streams_per_connection = 512\n");
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(config->feeds.size(), std::size_t(2));
        QCOMPARE(config->feeds[1].feed, std::string("binance_us"));
        QCOMPARE(config->feeds[1].adapter, std::string("binance"));
        QCOMPARE(config->feeds[1].instruments.at(0).exchange, std::string("binance_us"));
        const auto adapter = tickscope::feeds::createAdapter(config->feeds[1]);
        QCOMPARE(adapter->feedName(), std::string("binance_us"));
        QCOMPARE(adapter->traits().streamsPerConnection, std::size_t(512));
    }

    void backupAndAlertSettings()
    {
        const auto config = loadText(
            "[backup]\nstanza = \"main\"\nevery = \"6 hours\"\n"
            "[alerts.replication_lag_seconds]\nthreshold = 5\nduration = \"10 seconds\"\n"
            "[alerts.connections]\nenabled = false\n");
        QVERIFY2(config, config ? "" : config.error().c_str());
        QCOMPARE(config->backup.stanza, std::string("main"));
        QCOMPARE(config->backup.every, std::chrono::seconds{6 * 3600});
        QCOMPARE(config->backup.retentionFull, 2);
        const auto rule = [&](const char *name) {
            return *std::ranges::find(
                config->alerts.rules, name, &tickscope::model::AlertRule::name);
        };
        QCOMPARE(rule("replication_lag_seconds").threshold, 5.0);
        QCOMPARE(rule("replication_lag_seconds").duration, std::chrono::seconds{10});
        QVERIFY(!rule("connections").enabled);
        QCOMPARE(rule("disk_free").threshold, 10.0); // untouched: the default
    }

    void splitsSymbols_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("base");
        QTest::addColumn<QString>("quote");
        QTest::newRow("USDT") << "BTCUSDT" << "BTC" << "USDT";
        QTest::newRow("FDUSD before USD") << "SOLFDUSD" << "SOL" << "FDUSD";
        QTest::newRow("BTC quote") << "ETHBTC" << "ETH" << "BTC";
        QTest::newRow("slash") << "1000SATS/USDT" << "1000SATS" << "USDT";
        QTest::newRow("dash") << "BTC-USDT" << "BTC" << "USDT";
    }

    void splitsSymbols()
    {
        QFETCH(QString, text);
        const auto instrument = parseSymbol("binance", text.toStdString());
        QVERIFY(instrument);
        QTEST(QString::fromStdString(instrument->baseAsset), "base");
        QTEST(QString::fromStdString(instrument->quoteAsset), "quote");
        QCOMPARE(parseSymbol("okx", text.toStdString(), "-")->symbol,
            instrument->baseAsset + "-" + instrument->quoteAsset);
    }

    void missingFileIsAnErrorOnlyWhenNamed()
    {
        const QString path = QStringLiteral("/nonexistent/tickscope.toml");
        QVERIFY(loadConfig(path, false));
        QVERIFY(!loadConfig(path, false)->databaseConninfo);
        const auto named = loadConfig(path, true);
        QVERIFY(!named);
        QVERIFY(QString::fromStdString(named.error()).contains(QStringLiteral("does not exist")));
    }

    void databaseTargetOrder()
    {
        Config config;
        QVERIFY(resolveDatabaseTarget(std::nullopt, config).embedded);

        qputenv("PGHOST", "127.0.0.1");
        DatabaseTarget target = resolveDatabaseTarget(std::nullopt, config);
        QVERIFY(!target.embedded);
        QCOMPARE(target.conninfo, std::string());
        QCOMPARE(target.source, std::string("environment (PGHOST)"));

        config.databaseConninfo = "dbname=from_config";
        QCOMPARE(resolveDatabaseTarget(std::nullopt, config).conninfo, "dbname=from_config");
        target = resolveDatabaseTarget(std::string("dbname=from_cli"), config);
        QCOMPARE(target.conninfo, std::string("dbname=from_cli"));
        QCOMPARE(target.source, std::string("--db"));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "test_config.moc"
