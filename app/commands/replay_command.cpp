#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/config/config.h"
#include "app/feeds/adapter_registry.h"
#include "app/ingest/capture_replay.h"
#include "app/ingest/journal_reader.h"
#include "app/ingest/journal_writer.h"
#include "app/model/wall_clock.h"
#include "db/instrument_registry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <span>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("replay");

// `line`: the capture's line or the journal's record, counted from 1, for reports; `position`:
// the journal's own (a capture's line in segment 0), which numbers the book messages of
// exchanges without sequences exactly as live ingestion did.
using MessageSink = std::function<void(
    const feeds::RawMessage &message, std::int64_t line, model::JournalPosition position)>;

// Where the raw messages come from: a capture (one text frame per line, no receive times: they
// are stamped with the time of the replay) or a journal (its own receive times). Read as a
// stream, so that a journal of any size fits in memory; called once more when the symbols have
// to be found first.
class MessageSource
{
public:
    MessageSource(QString capture, QString journal)
        : m_capture(std::move(capture))
        , m_journal(std::move(journal))
    { }

    std::expected<void, QString> forEach(const MessageSink &sink) const
    {
        if (!m_capture.isEmpty()) {
            QFile input{m_capture};
            if (!input.open(QIODevice::ReadOnly))
                return std::unexpected(
                    QStringLiteral("cannot read %1: %2").arg(m_capture, input.errorString()));
            const std::int64_t receivedAt = model::wallClockNs();
            std::int64_t line = 0;
            while (!input.atEnd()) {
                ++line;
                const QByteArray text = input.readLine().trimmed();
                if (!text.isEmpty())
                    sink({feeds::RawKind::WebSocketText, 0, receivedAt,
                             std::string_view(text.constData(), text.size())},
                        line, {0, line});
            }
            return {};
        }
        if (!QFileInfo(m_journal).isDir())
            return std::unexpected(
                QStringLiteral("cannot read journal %1: no such directory").arg(m_journal));
        const auto segments = ingest::journal::listSegments(m_journal.toStdString());
        if (!segments)
            return std::unexpected(QString::fromStdString(segments.error()));
        if (segments->empty())
            return std::unexpected(
                QStringLiteral("%1 holds no journal segments (NNNNNNNNNN.journal.zst)")
                    .arg(m_journal));
        ingest::journal::JournalReader reader{m_journal.toStdString()};
        reader.seek({});
        for (std::int64_t record = 1;; ++record) {
            auto next = reader.next();
            if (!next)
                return std::unexpected(QStringLiteral("journal %1, record %2: %3")
                        .arg(m_journal)
                        .arg(record)
                        .arg(QString::fromStdString(next.error().message)));
            if (!*next)
                return {};
            sink({(*next)->kind, (*next)->tag, (*next)->receivedAtNs, (*next)->payload}, record,
                (*next)->position);
        }
    }

private:
    QString m_capture;
    QString m_journal;
};

// What the input holds, read with an adapter that carries no instrument: every frame of data
// names a symbol the normalizer does not know, counted per symbol.
struct InputSurvey
{
    std::vector<std::pair<std::string, std::int64_t>> symbols; // first seen first, with frames
    std::int64_t dataFrames = 0;
};

std::expected<InputSurvey, QString> survey(
    const MessageSource &source, const feeds::FeedSettings &settings)
{
    feeds::FeedSettings none = settings;
    none.instruments.clear();
    const auto adapter = feeds::createAdapter(none);
    const auto normalizer = adapter->createNormalizer();
    feeds::NormalizedOutput output;
    InputSurvey found;
    auto read = source.forEach(
        [&](const feeds::RawMessage &message, std::int64_t, model::JournalPosition) {
            normalizer->normalize(message, output);
            found.dataFrames += output.unknownSymbol;
            output.clear();
        });
    if (!read)
        return std::unexpected(read.error());
    for (const auto &symbol : normalizer->unknownSymbols())
        found.symbols.emplace_back(symbol, normalizer->unknownSymbolFrames(symbol));
    return found;
}

// For each setting of the adapter that decides which frames are data and that the user left
// unset: the value under which the capture holds the most data, the default when none reads
// more. Sets it in `settings` and says why; yields the survey under the settings taken.
std::expected<InputSurvey, QString> chooseCaptureSettings(
    const MessageSource &source, feeds::FeedSettings &settings, QStringList &notes)
{
    auto best = survey(source, settings);
    if (!best)
        return best;
    for (const auto &option : feeds::findAdapter(settings.adapter)->options) {
        if (option.captureChoices.empty() || settings.options.contains(option.key))
            continue;
        const std::string key{option.key};
        const std::string fallback{option.captureChoices.front()};
        std::string taken = fallback;
        QStringList tried{QStringLiteral("%1 with %2=%3")
                .arg(best->dataFrames)
                .arg(QString::fromStdString(key), QString::fromStdString(fallback))};
        for (const auto choice : std::span{option.captureChoices}.subspan(1)) {
            feeds::FeedSettings trial = settings;
            trial.options.insert_or_assign(key, std::string(choice));
            auto found = survey(source, trial);
            if (!found)
                return found;
            tried << QStringLiteral("%1 with %2=%3")
                         .arg(found->dataFrames)
                         .arg(QString::fromStdString(key), QString::fromUtf8(choice));
            if (found->dataFrames > best->dataFrames) {
                best = std::move(found);
                taken = choice;
            }
        }
        if (taken != fallback) {
            settings.options.insert_or_assign(key, taken);
            notes << QStringLiteral("took %1=%2: frames of data in the input: %3 (--option %1=... "
                                    "chooses)")
                         .arg(QString::fromStdString(key), QString::fromStdString(taken),
                             tried.join(QStringLiteral(", ")));
        }
    }
    return best;
}

// An instrument of the input that cannot be stored: its symbol, frames and why.
struct Unmapped
{
    std::string symbol;
    std::int64_t frames = 0;
    std::string reason;
};

} // namespace

int runReplayCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Replays raw exchange messages through the same normalizer, book "
                       "synchronisation, gap detection and batch assembly as live ingestion: a "
                       "capture with one WebSocket text frame per line (--input), or a feed's "
                       "journal directory (--journal). Reports per symbol: trades, trade-id gaps, "
                       "book updates applied and dropped, sequence breaks, other gaps and the "
                       "final best bid and ask, with line (or journal record) numbers; and each "
                       "message that could not be parsed. Without --dry-run the rows are written "
                       "to the database as live ingestion writes them; rows stored already are "
                       "skipped, so a replay can be repeated. A journal keeps each message's "
                       "receive time; a capture's messages are stamped with the replay's time. "
                       "A capture of another recorder: a setting that decides which frames are "
                       "data and that --option leaves unset (Binance's trade_stream) is the one "
                       "that reads the most of the capture, and the report says so; an "
                       "instrument that cannot be split into base and quote is reported with "
                       "its frame count and the rest is replayed.\n\n"
                       "Exchanges and their settings (--option):\n")
            + QString::fromStdString(feeds::describeAdapters()));
    parser.addOptions({
        {QStringLiteral("exchange"),
            QStringLiteral("The exchange's protocol: %1.")
                .arg(QString::fromStdString(feeds::adapterNames())),
            QStringLiteral("name")},
        {QStringLiteral("input"), QStringLiteral("Capture file: one raw text frame per line."),
            QStringLiteral("file")},
        {QStringLiteral("journal"), QStringLiteral("A feed's journal directory."),
            QStringLiteral("dir")},
        {QStringLiteral("feed"),
            QStringLiteral("The feed the rows belong to (their exchange in the database; "
                           "default: the journal directory's name, else the --exchange name)."),
            QStringLiteral("name")},
        {QStringLiteral("option"),
            QStringLiteral("A setting of the exchange's adapter, as in its config section "
                           "(e.g. time_unit=us). May be repeated."),
            QStringLiteral("key=value")},
        {QStringLiteral("symbols"),
            QStringLiteral("Symbols to take (default: all the input names)."),
            QStringLiteral("list")},
        {QStringLiteral("book-snapshot"),
            QStringLiteral(
                "REST depth snapshot to start a book from: FILE, or SYMBOL=FILE when the "
                "input holds several symbols. May be repeated."),
            QStringLiteral("file")},
        {QStringLiteral("dry-run"), QStringLiteral("Report only; write nothing.")},
        {QStringLiteral("report"), QStringLiteral("Report format: text or json."),
            QStringLiteral("format"), QStringLiteral("text")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    const bool fromCapture = parser.isSet(QStringLiteral("input"));
    if (fromCapture == parser.isSet(QStringLiteral("journal")))
        return cli::usageError(
            kCommand, QStringLiteral("give exactly one of --input and --journal"));
    if (!parser.isSet(QStringLiteral("exchange")))
        return cli::usageError(kCommand,
            QStringLiteral("give --exchange: %1")
                .arg(QString::fromStdString(feeds::adapterNames())));
    const QString format = parser.value(QStringLiteral("report"));
    if (format != QLatin1String("text") && format != QLatin1String("json"))
        return cli::usageError(
            kCommand, QStringLiteral("--report must be text or json, not '%1'").arg(format));

    const MessageSource source{
        parser.value(QStringLiteral("input")), parser.value(QStringLiteral("journal"))};
    feeds::FeedSettings settings{.adapter = parser.value(QStringLiteral("exchange")).toStdString()};
    settings.feed = parser.isSet(QStringLiteral("feed"))
        ? parser.value(QStringLiteral("feed")).toStdString()
        : fromCapture ? settings.adapter
                      : QFileInfo(QDir::cleanPath(parser.value(QStringLiteral("journal"))))
                            .fileName()
                            .toStdString();
    for (const QString &option : parser.values(QStringLiteral("option"))) {
        const auto equals = option.indexOf(u'=');
        if (equals <= 0)
            return cli::usageError(
                kCommand, QStringLiteral("--option takes key=value, not '%1'").arg(option));
        settings.options.insert_or_assign(
            option.left(equals).toStdString(), option.mid(equals + 1).toStdString());
    }
    std::vector<std::string> symbols;
    if (parser.isSet(QStringLiteral("symbols"))) {
        for (const QString &symbol :
            parser.value(QStringLiteral("symbols")).split(u',', Qt::SkipEmptyParts))
            symbols.push_back(symbol.trimmed().toUpper().toStdString());
    }
    // Checked once with a stand-in symbol, so that a wrong exchange or option is said before
    // the input is read.
    settings.instruments = {{settings.feed, "CHECK", "CHECK", "CHECK"}};
    if (auto wrong = feeds::checkFeedSettings(settings))
        return cli::usageError(kCommand, QString::fromStdString(*wrong));
    const std::string_view separator = feeds::findAdapter(settings.adapter)->symbolSeparator;
    settings.instruments.clear();
    // A capture of another recorder says nothing of how it was recorded; a journal was
    // recorded with the settings given.
    QStringList notes;
    std::vector<Unmapped> unmapped;
    if (symbols.empty() || fromCapture) {
        auto found = fromCapture ? chooseCaptureSettings(source, settings, notes)
                                 : survey(source, settings);
        if (!found)
            return cli::failure(kCommand, found.error());
        // Symbols found in the input: one that cannot be told apart is reported, not fatal.
        if (symbols.empty()) {
            for (const auto &[symbol, frames] : found->symbols) {
                auto instrument = parseSymbol(settings.feed, symbol, separator);
                if (instrument)
                    settings.instruments.push_back(std::move(*instrument));
                else
                    unmapped.push_back({symbol, frames, instrument.error()});
            }
        }
        if (symbols.empty() && settings.instruments.empty()) {
            if (unmapped.empty())
                return cli::failure(
                    kCommand, QStringLiteral("the input names no symbol; give --symbols"));
            QStringList why;
            for (const auto &each : unmapped)
                why << QStringLiteral("%1 (%2 frames): %3")
                           .arg(QString::fromStdString(each.symbol))
                           .arg(each.frames)
                           .arg(QString::fromStdString(each.reason));
            return cli::failure(kCommand,
                QStringLiteral("no instrument of the input can be stored: %1")
                    .arg(why.join(QStringLiteral("; "))));
        }
    }
    for (const auto &symbol : symbols) {
        auto instrument = parseSymbol(settings.feed, symbol, separator);
        if (!instrument)
            return cli::usageError(kCommand, QString::fromStdString(instrument.error()));
        settings.instruments.push_back(std::move(*instrument));
    }
    for (const auto &each : unmapped)
        notes << QStringLiteral("not stored: %1, %2 frames (%3)")
                     .arg(QString::fromStdString(each.symbol))
                     .arg(each.frames)
                     .arg(QString::fromStdString(each.reason));
    const auto adapter = feeds::createAdapter(settings);
    const feeds::InstrumentList &list = adapter->instruments();

    // Snapshots go first, as REST responses for their instrument.
    std::vector<std::string> snapshots;
    for (const QString &value : parser.values(QStringLiteral("book-snapshot"))) {
        const auto equals = value.indexOf(u'=');
        QString symbol = equals > 0 ? value.left(equals).toUpper() : QString();
        const QString path = equals > 0 ? value.mid(equals + 1) : value;
        if (symbol.isEmpty()) {
            if (list.size() != 1)
                return cli::usageError(kCommand,
                    QStringLiteral("the input holds %1 symbols; write --book-snapshot SYMBOL=FILE")
                        .arg(list.size()));
            symbol = QString::fromStdString(list.at(0).symbol);
        }
        const auto instrument = list.find(symbol.toStdString());
        if (!instrument)
            return cli::usageError(kCommand,
                QStringLiteral("--book-snapshot names %1, which the input does not hold")
                    .arg(symbol));
        QFile file{path};
        if (!file.open(QIODevice::ReadOnly))
            return cli::failure(
                kCommand, QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
        snapshots.push_back(
            feeds::encodeRestPayload(list.at(*instrument).symbol, file.readAll().toStdString()));
    }

    std::unique_ptr<DatabaseSession> session;
    std::unique_ptr<db::IngestWriter> writer;
    try {
        if (!parser.isSet(QStringLiteral("dry-run"))) {
            auto chosen = chooseDatabase(parser);
            if (!chosen)
                return cli::failure(kCommand, QString::fromStdString(chosen.error()));
            auto opened = DatabaseSession::open(chosen->second, {.purpose = "replay"});
            if (!opened)
                return cli::failure(kCommand, QString::fromStdString(opened.error()));
            session = std::move(*opened);
            writer = std::make_unique<db::IngestWriter>(session->connection(), settings.feed,
                db::registerInstruments(session->connection(), list.all()));
        }
        ingest::CaptureReplay replay{*adapter, writer.get(), 20'000};
        const std::int64_t receivedAt = model::wallClockNs();
        for (const auto &body : snapshots)
            replay.feed(
                {feeds::RawKind::RestResponse,
                    static_cast<std::uint32_t>(feeds::RestTopic::BookSnapshot), receivedAt, body},
                0, {});
        if (auto read = source.forEach(
                [&replay](const feeds::RawMessage &message, std::int64_t line,
                    model::JournalPosition position) { replay.feed(message, line, position); });
            !read)
            return cli::failure(kCommand, read.error());
        replay.finish();
        if (format == QLatin1String("json")) {
            QJsonObject report = replay.report();
            QJsonObject taken;
            for (const auto &option : feeds::findAdapter(settings.adapter)->options) {
                if (!option.captureChoices.empty())
                    taken.insert(QString::fromUtf8(option.key),
                        QString::fromStdString(settings.option(
                            option.key, std::string_view{option.captureChoices.front()})));
            }
            report.insert(QStringLiteral("settings"), taken);
            QJsonArray notStored;
            for (const auto &each : unmapped)
                notStored.append(
                    QJsonObject{{QStringLiteral("symbol"), QString::fromStdString(each.symbol)},
                        {QStringLiteral("frames"), qint64(each.frames)},
                        {QStringLiteral("reason"), QString::fromStdString(each.reason)}});
            report.insert(QStringLiteral("unmapped_instruments"), notStored);
            cli::print(QString::fromUtf8(QJsonDocument(report).toJson(QJsonDocument::Indented)));
        } else {
            cli::print(
                (notes.isEmpty() ? QString() : notes.join(u'\n') + u'\n') + replay.textReport());
        }
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
