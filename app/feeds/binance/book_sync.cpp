#include "app/feeds/binance/book_sync.h"

#include "app/model/decimal.h"

namespace tickscope::feeds::binance {

BookSync::BookSync(std::uint32_t instrument)
    : m_instrument(instrument)
{ }

void BookSync::discard()
{
    m_book.clear();
    m_state = State::AwaitingSnapshot;
    m_snapshotRequested = false;
    m_buffer.clear();
}

BookSync::Outcome BookSync::onDelta(const model::BookDelta &delta)
{
    if (m_state == State::Live)
        return applyLive(delta);
    Outcome outcome;
    // While no snapshot has come, keep the newest diffs; a snapshot never needs older ones than
    // the first diff it does not contain.
    if (m_buffer.size() == kMaxBuffered)
        m_buffer.pop_front();
    m_buffer.push_back(delta);
    if (!m_snapshotRequested) {
        m_snapshotRequested = true;
        outcome.needSnapshot = true;
    }
    return outcome;
}

BookSync::Outcome BookSync::onSnapshot(const model::BookSnapshot &snapshot)
{
    Outcome outcome;
    if (m_state == State::Live)
        return outcome; // an answer to a request that a resync already replaced
    while (!m_buffer.empty() && m_buffer.front().sequence <= snapshot.sequence) {
        m_buffer.pop_front();
        ++outcome.dropped;
    }
    // The first diff it does not contain must follow it directly; otherwise the snapshot is too
    // old (diffs between them were never buffered) and another one is needed.
    // (In 128 bits: a hostile snapshot's lastUpdateId may be the largest 64-bit number.)
    if (!m_buffer.empty()
        && static_cast<model::Int128>(m_buffer.front().firstSequence)
            > static_cast<model::Int128>(snapshot.sequence) + 1) {
        outcome.needSnapshot = true;
        return outcome;
    }
    m_book.reset(snapshot);
    m_lastUpdateId = snapshot.sequence;
    m_state = State::Live;
    m_snapshotRequested = false;
    std::deque<model::BookDelta> pending;
    pending.swap(m_buffer);
    for (const auto &delta : pending) {
        Outcome step = applyLive(delta);
        outcome.applied += step.applied;
        outcome.dropped += step.dropped;
        if (step.gap) {
            // The buffer itself broke: what follows waits for the next snapshot.
            outcome.gap = step.gap;
            outcome.needSnapshot = step.needSnapshot;
            break;
        }
    }
    return outcome;
}

BookSync::Outcome BookSync::applyLive(const model::BookDelta &delta)
{
    Outcome outcome;
    if (delta.sequence <= m_lastUpdateId) {
        outcome.dropped = 1;
        return outcome;
    }
    if (delta.firstSequence > m_lastUpdateId + 1) {
        outcome.gap = model::Gap{
            .kind = model::Gap::Kind::BookSequence,
            .instrument = m_instrument,
            .firstMissing = m_lastUpdateId + 1,
            .lastMissing = delta.firstSequence - 1,
            .beforeTimeNs = m_lastEventTimeNs,
            .afterTimeNs = delta.exchangeTimeNs,
        };
        discard();
        m_buffer.push_back(delta);
        m_snapshotRequested = true;
        outcome.needSnapshot = true;
        return outcome;
    }
    m_book.apply(delta);
    m_lastUpdateId = delta.sequence;
    m_lastEventTimeNs = delta.exchangeTimeNs;
    outcome.applied = 1;
    return outcome;
}

} // namespace tickscope::feeds::binance
