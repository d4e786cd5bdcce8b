// Tickscope's one configuration file (TOML). Only what the user wrote is in it; what is missing
// takes the defaults below. Unknown sections and keys are errors, so a typo never passes silently.
//
//   [database]          conninfo = "host=... dbname=..."   (libpq string or URI)
//   [journal]           directory = "/var/lib/tickscope/journal", segment_mb = 256,
//                       sync_interval_ms = 50, min_free_mb = 1024, retain_hours = 168
//   [ingest]            batch_rows = 200000, flush_interval_ms = 100
//   [exchanges.NAME]    symbols = ["BTCUSDT", "ETH/USDT"], adapter = "binance" (default: NAME),
//                       and the adapter's own settings (feeds::AdapterDescription::options)
//   [policies]          hold = ["binance", "coinbase:BTC-USD"], hold_for = "7 years",
//                       refresh_every = "1 minute", refresh_window = "6 hours",
//                       retention_every = "1 hour", sample_every = "1 hour",
//                       aggregates_compress_after = "30 days" ("never": none)
//   [policies.TABLE]    (trades, book_snapshots, book_deltas) chunk_interval = "1 day",
//                       compress_after = "7 days", drop_after = "1 year" ("never": none)
//   [backup]            command = "ssh db1 sudo -u postgres pgbackrest" (a remote server's
//                       pgBackRest; default: the embedded cluster's), stanza = "tickscope",
//                       retention_full = 2, every = "1 day" (a backup is due that often)
//   [http]              listen = "127.0.0.1:9464" (/metrics and the query API; "off": none),
//                       token_file = "/run/secrets/api_token" (the bearer token clients send;
//                       required when listen is not a loopback address)
//   [alerts]            webhook = "https://hooks.example/desk" (POSTed JSON per alert change)
//   [alerts.RULE]       threshold = 10, duration = "30 seconds", enabled = true
//                       (RULE: a name of model::defaultAlertRules())
//   [[alerts.maintenance]] feed = "binance", from = "2026-12-03T02:00:00Z",
//                       to = "2026-12-03T04:00:00Z", note = "..." (its feed's alerts stay quiet)
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/model/alert.h"
#include "app/model/backup_status.h"
#include "app/model/instrument.h"
#include "app/model/storage_policy.h"

#include <QString>
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::app {

// Tickscope's HTTP endpoint: Prometheus' /metrics and the read-only query API.
struct HttpSettings
{
    std::optional<std::pair<QString, quint16>> listen{{QStringLiteral("127.0.0.1"), 9464}};
    // What clients must send as "Authorization: Bearer ..."; empty: no token asked (loopback).
    QByteArray token;
    // A query of the API that runs longer is cancelled by the server (statement_timeout).
    std::chrono::milliseconds queryTimeout{10'000};
    // Queries running or waiting at once; one more is answered 503 with Retry-After.
    int maxQueries = 32;
};

struct Config
{
    QString path; // the file it was read from; empty when none was
    std::optional<std::string> databaseConninfo;
    // The login of the console's readers and the query API on that server; it must not be able
    // to write. None: derived from databaseConninfo's (see DatabaseSession::readerConninfo).
    std::optional<std::string> readerConninfo;
    QString journalDirectory; // empty: the default data location
    std::uint64_t journalSegmentBytes = 256ull << 20;
    std::chrono::milliseconds journalSyncInterval{50};
    std::uint64_t journalMinFreeBytes = 1024ull << 20;
    std::chrono::hours journalRetention{168}; // committed segments older than this go; 0: never
    std::size_t batchRows = 200'000; // only a writer catching up fills one (docs/performance.md)
    std::chrono::milliseconds flushInterval{100};
    std::vector<feeds::FeedSettings> feeds; // one per [exchanges.NAME] section, by name
    model::StoragePolicy policy; // [policies], over the request's defaults
    model::BackupSettings backup;
    model::AlertSettings alerts;
    HttpSettings http;
};

// "7 days", "1 year", "30 seconds": a whole number and a unit, singular or plural.
std::expected<model::PolicyInterval, std::string> parsePolicyInterval(std::string_view text);

// $XDG_CONFIG_HOME/tickscope/tickscope.toml (~/.config/tickscope/tickscope.toml).
QString defaultConfigPath();

// ops::dataRoot()/journal: /var/lib/tickscope/journal for root, else in the user data dir.
QString defaultJournalDirectory();

// "127.0.0.1:9464" or "[::1]:9464" into host and port; nullopt when it is neither.
std::optional<std::pair<QString, quint16>> parseListenAddress(const QString &text);

// Reads `path`. A missing file is an error only when the user named it (`explicitPath`).
std::expected<Config, std::string> loadConfig(const QString &path, bool explicitPath);

// "BTC/USDT", "BTC-USDT" or "BTCUSDT" (split at a known quote asset) into an instrument of
// `exchange`, whose symbol joins the assets with the exchange's `separator` ("BTC-USDT" on OKX).
std::expected<model::Instrument, std::string> parseSymbol(
    const std::string &exchange, std::string_view text, std::string_view separator = {});

} // namespace tickscope::app
