// Keeps one symbol's local book in step with Binance's diff-depth stream, following the
// documented procedure: buffer diffs, fetch a REST snapshot, drop what it already contains,
// require the first remaining diff to straddle it, then apply diffs whose U follows the last u.
// A break discards the book, reports the missing update ids and asks for a new snapshot.
#pragma once

#include "app/feeds/local_book.h"
#include "app/model/gap.h"

#include <cstdint>
#include <deque>
#include <optional>

namespace tickscope::feeds::binance {

class BookSync
{
public:
    enum class State { AwaitingSnapshot, Live };

    struct Outcome
    {
        int applied = 0; // diffs applied to the book
        int dropped = 0; // diffs the book already contained (stale), ignored
        bool needSnapshot = false; // fetch a REST snapshot and hand it to onSnapshot
        std::optional<model::Gap> gap; // update ids that were lost
    };

    explicit BookSync(std::uint32_t instrument);

    Outcome onDelta(const model::BookDelta &delta);
    Outcome onSnapshot(const model::BookSnapshot &snapshot);

    State state() const { return m_state; }
    const LocalBook &book() const { return m_book; }
    std::int64_t lastUpdateId() const { return m_lastUpdateId; }
    std::size_t buffered() const { return m_buffer.size(); }

private:
    Outcome applyLive(const model::BookDelta &delta);
    void discard();

    static constexpr std::size_t kMaxBuffered = 10'000;

    std::uint32_t m_instrument;
    State m_state = State::AwaitingSnapshot;
    LocalBook m_book;
    std::int64_t m_lastUpdateId = 0;
    std::int64_t m_lastEventTimeNs = 0;
    bool m_snapshotRequested = false;
    std::deque<model::BookDelta> m_buffer;
};

} // namespace tickscope::feeds::binance
