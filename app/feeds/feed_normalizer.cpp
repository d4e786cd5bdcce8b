#include "app/feeds/feed_normalizer.h"

#include <array>
#include <charconv>
#include <format>
#include <simdjson.h>

namespace tickscope::feeds {

namespace {

constexpr std::size_t kUnknownSymbolsReported = 32;
constexpr std::size_t kUnknownSymbolsRemembered = 4096;

constexpr std::array kMarkerKinds{model::FeedEvent::Kind::Connect,
    model::FeedEvent::Kind::Disconnect, model::FeedEvent::Kind::Subscribe,
    model::FeedEvent::Kind::Subscribed, model::FeedEvent::Kind::Error,
    model::FeedEvent::Kind::Reconnect, model::FeedEvent::Kind::ShutdownNotice,
    model::FeedEvent::Kind::Resync, model::FeedEvent::Kind::Pause, model::FeedEvent::Kind::Resume};

// The length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
std::size_t utf8SequenceLength(std::string_view text)
{
    const auto byte = [&](std::size_t i) {
        return static_cast<unsigned char>(text[i]);
    };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80)
        return lead == 0 ? 0 : 1;
    if ((lead & 0xe0) == 0xc0) {
        length = 2;
        min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (text.size() < length)
        return 0;
    std::uint32_t code = lead & (0x7fu >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (byte(i) & 0x3fu);
    }
    const bool surrogate = code >= 0xd800 && code <= 0xdfff;
    return code < min || code > 0x10ffff || surrogate ? 0 : length;
}

} // namespace

std::string encodeMarker(model::FeedEvent::Kind kind, std::string_view detail)
{
    return std::format("{}\t{}", model::kindName(kind), detail);
}

std::string encodeResumeMarker(std::int64_t pausedAtNs, std::string_view cause)
{
    return encodeMarker(model::FeedEvent::Kind::Resume, std::format("{}\t{}", pausedAtNs, cause));
}

std::string quoteForAudit(std::string_view text, std::size_t maxBytes)
{
    std::string out;
    out.reserve(std::min(text.size(), maxBytes) + 3);
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t length = utf8SequenceLength(text.substr(at));
        const std::size_t taken = length == 0 ? 1 : length;
        if (out.size() + taken > maxBytes)
            break;
        if (length == 0)
            out.push_back('?');
        else
            out.append(text.substr(at, length));
        at += taken;
    }
    if (at < text.size())
        out.append("...");
    return out;
}

FeedNormalizer::FeedNormalizer(InstrumentList instruments)
    : m_instruments(std::move(instruments))
{ }

void FeedNormalizer::normalize(const RawMessage &message, NormalizedOutput &out)
{
    // A parser that lets simdjson throw has a defect (the fuzz targets look for them); the
    // frame is still only malformed, never the end of the ingestor.
    try {
        dispatch(message, out);
    } catch (const simdjson::simdjson_error &error) {
        ++out.parserFaults;
        reportMalformed(message, std::format("the parser failed on it ({})", error.what()), out);
    }
}

void FeedNormalizer::dispatch(const RawMessage &message, NormalizedOutput &out)
{
    switch (message.kind) {
    case RawKind::WebSocketText:
        normalizeFrame(message, out);
        return;
    case RawKind::RestResponse: {
        const auto rest = decodeRestPayload(message.payload);
        if (!rest || message.tag > static_cast<std::uint32_t>(RestTopic::TradeBackfill)) {
            reportMalformed(message, "REST response without its topic and symbol", out);
            return;
        }
        const auto instrument = m_instruments.find(rest->symbol);
        if (!instrument) {
            reportUnknownSymbol(message, rest->symbol, out);
            return;
        }
        if (static_cast<RestTopic>(message.tag) == RestTopic::BookSnapshot) {
            normalizeSnapshotResponse(*instrument, rest->body, message, out);
            return;
        }
        auto page = parseBackfillPage(*instrument, rest->body, message.receivedAtNs);
        if (!page) {
            reportMalformed(message, "trade backfill answer: " + page.error(), out);
            out.backfillRefused.push_back(*instrument);
            return;
        }
        std::ranges::move(*page, std::back_inserter(out.backfilledTrades));
        out.backfillAnswered.push_back(*instrument);
        return;
    }
    case RawKind::Marker:
        break;
    }
    const auto tab = message.payload.find('\t');
    const std::string_view name = message.payload.substr(0, tab);
    if (name == model::kindName(model::FeedEvent::Kind::Resume)) {
        normalizeResume(
            message, tab == std::string_view::npos ? "" : message.payload.substr(tab + 1), out);
        return;
    }
    for (const auto kind : kMarkerKinds) {
        if (name == model::kindName(kind)) {
            out.events.push_back({message.receivedAtNs, kind,
                tab == std::string_view::npos
                    ? std::string()
                    : quoteForAudit(message.payload.substr(tab + 1), 4096),
                message.tag});
            return;
        }
    }
    reportMalformed(message, "unknown marker", out);
}

void FeedNormalizer::normalizeResume(
    const RawMessage &message, std::string_view detail, NormalizedOutput &out)
{
    const auto tab = detail.find('\t');
    std::int64_t pausedAtNs = 0;
    const std::string_view number = detail.substr(0, tab);
    const auto parsed = std::from_chars(number.data(), number.data() + number.size(), pausedAtNs);
    if (tab == std::string_view::npos || parsed.ec != std::errc{}
        || parsed.ptr != number.data() + number.size() || pausedAtNs <= 0
        || pausedAtNs > message.receivedAtNs) {
        reportMalformed(message, "resume marker without the time the feed paused", out);
        return;
    }
    const std::string cause = quoteForAudit(detail.substr(tab + 1), 512);
    // Nothing was received in the window, for any instrument of the feed.
    for (std::uint32_t i = 0; i < m_instruments.size(); ++i)
        out.gaps.push_back({.kind = model::Gap::Kind::Outage,
            .instrument = i,
            .beforeTimeNs = pausedAtNs,
            .afterTimeNs = message.receivedAtNs,
            .cause = cause});
    out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Resume,
        std::format("resumed after {:.1f} s: {}",
            static_cast<double>(message.receivedAtNs - pausedAtNs) / 1e9, cause)});
}

void FeedNormalizer::normalizeSnapshotResponse(
    std::uint32_t, std::string_view, const RawMessage &message, NormalizedOutput &out)
{
    reportMalformed(
        message, "a REST book snapshot, which this exchange's feed never asks for", out);
}

std::expected<std::vector<model::Trade>, std::string> FeedNormalizer::parseBackfillPage(
    std::uint32_t, std::string_view, std::int64_t)
{
    return std::unexpected(std::string("this exchange's feed never asks for trades over REST"));
}

void FeedNormalizer::checkCrossed(std::uint32_t instrument, NormalizedOutput &out) const
{
    if (const LocalBook *kept = book(instrument); kept && kept->crossed())
        out.bookCrossed = true;
}

void FeedNormalizer::recordBook(
    const BookOutcome &outcome, bool snapshot, model::BookDelta message, NormalizedOutput &out)
{
    if (outcome.gap) {
        out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Resync,
            std::format("{}: {}; resubscribing", m_instruments.at(message.instrument).symbol,
                model::describe(*outcome.gap))});
        out.gaps.push_back(*outcome.gap);
    }
    if (outcome.resubscribe)
        out.snapshotRequests.push_back(message.instrument);
    out.bookInstrument = message.instrument;
    if (outcome.checksumVerified
        || (outcome.gap && outcome.gap->kind == model::Gap::Kind::Checksum))
        ++out.bookChecksumsChecked;
    if (outcome.dropped)
        ++out.bookUpdatesDropped;
    if (!outcome.applied)
        return;
    ++out.bookUpdatesApplied;
    checkCrossed(message.instrument, out);
    if (!snapshot) {
        out.deltas.push_back(std::move(message));
        return;
    }
    out.snapshots.push_back({
        .exchangeTimeNs = message.exchangeTimeNs,
        .receivedAtNs = message.receivedAtNs,
        .instrument = message.instrument,
        .sequence = message.sequence,
        .bids = std::move(message.bids),
        .asks = std::move(message.asks),
    });
}

void FeedNormalizer::reportMalformed(
    const RawMessage &message, std::string_view why, NormalizedOutput &out)
{
    ++out.malformed;
    out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Error,
        std::format("malformed message ({}): {}", quoteForAudit(why, 256),
            quoteForAudit(message.payload))});
}

void FeedNormalizer::reportUnknownSymbol(
    const RawMessage &message, std::string_view symbol, NormalizedOutput &out)
{
    ++out.unknownSymbol;
    if (const auto seen = m_unknownSymbolsSeen.find(symbol); seen != m_unknownSymbolsSeen.end()) {
        ++seen->second;
        return;
    }
    if (m_unknownSymbols.size() >= kUnknownSymbolsRemembered)
        return;
    m_unknownSymbolsSeen.emplace(symbol, 1);
    m_unknownSymbols.emplace_back(symbol);
    if (m_unknownSymbols.size() > kUnknownSymbolsReported)
        return;
    out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Error,
        std::format("data for symbol \"{}\", which this feed does not ingest; further messages "
                    "for it are only counted",
            quoteForAudit(symbol, 64))});
}

} // namespace tickscope::feeds
