#include "app/feeds/okx/order_book.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::okx {

namespace {

template<typename Texts>
void applyTexts(
    Texts &side, const std::vector<TextLevel> &texts, const std::vector<model::PriceLevel> &levels)
{
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (levels[i].size.isZero())
            side.erase(levels[i].price);
        else
            side.insert_or_assign(levels[i].price, texts[i]);
    }
}

template<typename Texts> void copyTop(const Texts &texts, std::vector<TextLevel> &top)
{
    top.resize(std::min(texts.size(), kChecksumLevels));
    auto level = texts.begin();
    for (TextLevel &text : top)
        text = (level++)->second;
}

} // namespace

OrderBook::OrderBook(std::uint32_t instrument)
    : m_instrument(instrument)
{ }

BookOutcome OrderBook::onMessage(const BookMessage &message)
{
    BookOutcome outcome;
    const std::optional<std::int64_t> last = m_sequence.last();
    switch (m_sequence.onMessage(message.prevSeqId, message.seqId)) {
    case BookSequence::Verdict::NoSnapshot:
        outcome.dropped = true;
        return outcome;
    case BookSequence::Verdict::Break:
        outcome.gap = model::Gap{
            .kind = model::Gap::Kind::BookSequence,
            .instrument = m_instrument,
            .firstMissing = std::min(*last, message.prevSeqId) + 1,
            .lastMissing = std::max(*last, message.prevSeqId),
            .beforeTimeNs = m_lastTimeNs,
            .afterTimeNs = message.exchangeTimeNs,
        };
        outcome.resubscribe = true;
        discard();
        return outcome;
    case BookSequence::Verdict::Continues:
    case BookSequence::Verdict::Reset:
        break;
    }
    if (message.snapshot) {
        m_book.clear();
        m_bidTexts.clear();
        m_askTexts.clear();
    }
    // A keep-alive (no levels, the last seqId again) is no update to store.
    const bool keepAlive = !message.snapshot && message.prevSeqId == message.seqId
        && message.bids.empty() && message.asks.empty();
    m_book.apply(message.bids, message.asks);
    applyTexts(m_bidTexts, message.bidTexts, message.bids);
    applyTexts(m_askTexts, message.askTexts, message.asks);
    if (message.checksum) {
        const std::int32_t computed = checksum();
        if (computed != *message.checksum) {
            outcome.gap = model::Gap{
                .kind = model::Gap::Kind::Checksum,
                .instrument = m_instrument,
                .beforeTimeNs = m_lastTimeNs != 0 ? m_lastTimeNs : message.exchangeTimeNs,
                .afterTimeNs = message.exchangeTimeNs,
                .cause = std::format("book checksum {} sent, {} computed at seqId {}",
                    *message.checksum, computed, message.seqId),
            };
            outcome.resubscribe = true;
            discard();
            return outcome;
        }
        outcome.checksumVerified = true;
    }
    m_lastTimeNs = message.exchangeTimeNs;
    outcome.applied = !keepAlive;
    return outcome;
}

std::int32_t OrderBook::checksum()
{
    copyTop(m_bidTexts, m_topBids);
    copyTop(m_askTexts, m_topAsks);
    return bookChecksum(m_topBids, m_topAsks);
}

void OrderBook::discard()
{
    m_sequence.reset();
    m_book.clear();
    m_bidTexts.clear();
    m_askTexts.clear();
}

} // namespace tickscope::feeds::okx
