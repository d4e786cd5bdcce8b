// Turns one exchange's raw messages into the normalized model, in order, with the book kept in
// step. The same code runs on the writer thread (live, following the journal) and in replays,
// so a replay yields exactly what live ingestion wrote.
#pragma once

#include "app/feeds/book_outcome.h"
#include "app/feeds/instrument_list.h"
#include "app/feeds/local_book.h"
#include "app/feeds/raw_message.h"
#include "app/model/book.h"
#include "app/model/feed_event.h"
#include "app/model/gap.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::feeds {

// What normalizing some messages produced; the caller empties it when it has used it.
struct NormalizedOutput
{
    std::vector<model::Trade> trades;
    std::vector<model::Trade> backfilledTrades; // fetched for a gap: older than the live ones
    std::vector<std::uint32_t> backfillAnswered; // instruments whose backfill request was answered
    // Instruments whose backfill answer could not be used (an exchange error, a bad body): the
    // gap stays open, for the next start or `tickscope gaps --backfill`.
    std::vector<std::uint32_t> backfillRefused;
    std::vector<model::BookDelta> deltas;
    std::vector<model::BookSnapshot> snapshots;
    std::vector<model::Gap> gaps; // book sequence breaks, outages (trade ids: the sequencer)
    std::vector<model::FeedEvent> events;
    std::vector<std::uint32_t> snapshotRequests; // instruments whose book needs a REST snapshot
    bool reconnectRequested = false; // the exchange announced it is going away
    std::int64_t bookUpdatesApplied = 0;
    std::int64_t bookUpdatesDropped = 0; // already contained in a snapshot or stale
    std::int64_t bookChecksumsChecked = 0; // matched or not (a mismatch is also a gap)
    bool bookCrossed = false; // the book was crossed after the message
    // The instrument whose book a message concerned, kept or dropped (books kept from the
    // socket: recordBook), for the counts of reports.
    std::optional<std::uint32_t> bookInstrument;
    std::int64_t malformed = 0; // frames that could not be used (also in `events`, with text)
    std::int64_t parserFaults = 0; // of those, frames a parser threw on: a defect to fix
    std::int64_t unknownSymbol = 0; // data for instruments not configured (the first of each
                                    // symbol is also in `events`)
    std::map<std::string, std::int64_t> ignored; // well-formed frames of other channels, by channel

    void clear() { *this = NormalizedOutput{}; }
};

class FeedNormalizer
{
public:
    explicit FeedNormalizer(InstrumentList instruments);
    virtual ~FeedNormalizer() = default;

    // Markers are the feed session's own and the same for every exchange, and so is the envelope
    // of REST responses; the rest is the exchange's.
    void normalize(const RawMessage &message, NormalizedOutput &out);

    const InstrumentList &instruments() const { return m_instruments; }
    // The book this normalizer keeps for `instrument`, for reports; nullptr for exchanges whose
    // books it does not keep.
    virtual const LocalBook *book(std::uint32_t /*instrument*/) const { return nullptr; }
    // Depth updates of `instrument` held until its book's snapshot comes.
    virtual std::size_t bookUpdatesWaiting(std::uint32_t /*instrument*/) const { return 0; }
    // Symbols of data this feed does not carry, in the order first seen (at most 4096): what a
    // replay of a capture without a symbol list takes its instruments from.
    const std::vector<std::string> &unknownSymbols() const { return m_unknownSymbols; }
    // The frames of data seen for one of unknownSymbols().
    std::int64_t unknownSymbolFrames(std::string_view symbol) const
    {
        const auto found = m_unknownSymbolsSeen.find(symbol);
        return found == m_unknownSymbolsSeen.end() ? 0 : found->second;
    }

protected:
    virtual void normalizeFrame(const RawMessage &message, NormalizedOutput &out) = 0;
    // For exchanges whose books are synchronised from REST snapshots; the others call such a
    // record invalid.
    virtual void normalizeSnapshotResponse(std::uint32_t instrument, std::string_view body,
        const RawMessage &message, NormalizedOutput &out);
    // For exchanges with a trade history endpoint: the trades of one backfill page, or why the
    // answer cannot be used.
    virtual std::expected<std::vector<model::Trade>, std::string> parseBackfillPage(
        std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs);

    // What a book kept from the socket made of one message (`message`: its content, sequences
    // included): the gap and the resubscription it asks for, and the message itself, as a
    // snapshot or a delta, when it is part of the book now.
    void recordBook(
        const BookOutcome &outcome, bool snapshot, model::BookDelta message, NormalizedOutput &out);

    // Notes whether `instrument`'s book (book()) is crossed after a message was applied.
    void checkCrossed(std::uint32_t instrument, NormalizedOutput &out) const;

    // Counts a frame that could not be used and records it, with its text, as an error event.
    static void reportMalformed(
        const RawMessage &message, std::string_view why, NormalizedOutput &out);
    // Counts data for a symbol this feed does not ingest; records an event for the first 32
    // distinct symbols only, so that a misrouted stream cannot flood the audit trail or the log.
    void reportUnknownSymbol(
        const RawMessage &message, std::string_view symbol, NormalizedOutput &out);

private:
    void dispatch(const RawMessage &message, NormalizedOutput &out);
    // "resume\t<paused at, ns>\t<cause>": an outage gap for every instrument over the window.
    void normalizeResume(const RawMessage &message, std::string_view detail, NormalizedOutput &out);

    InstrumentList m_instruments;
    std::map<std::string, std::int64_t, std::less<>> m_unknownSymbolsSeen; // with their frames
    std::vector<std::string> m_unknownSymbols;
};

// The payload of a marker record: "<event kind>\t<detail>".
std::string encodeMarker(model::FeedEvent::Kind kind, std::string_view detail);
// The marker a feed writes when it receives again after a pause that began at `pausedAtNs`.
std::string encodeResumeMarker(std::int64_t pausedAtNs, std::string_view cause);

// At most `maxBytes` of `text` as valid UTF-8 without NUL bytes (what PostgreSQL's text takes):
// cut at a character boundary, each invalid byte or NUL replaced by '?', "..." when cut.
std::string quoteForAudit(std::string_view text, std::size_t maxBytes = 512);

} // namespace tickscope::feeds
