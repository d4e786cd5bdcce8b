// OKX v5's order-book continuity (../shared/feeds/PROTOCOLS.md 4.4): each update's prevSeqId
// must equal the seqId of the message before it. seqId is not +1 each time, a keep-alive repeats
// the last seqId (prevSeqId == seqId, no levels), and maintenance may reset the sequence (an
// update whose seqId is below its prevSeqId, accepted and followed from then on); none of these
// is a gap. A snapshot (prevSeqId -1) starts the sequence.
#pragma once

#include <cstdint>
#include <optional>

namespace tickscope::feeds::okx {

class BookSequence
{
public:
    enum class Verdict {
        Continues, // apply it
        Reset, // the exchange restarted its sequence: apply it and go on from it
        Break, // a message is missing: discard the book and resubscribe
        NoSnapshot, // an update before any snapshot: wait for one
    };

    // One message of the books channel, in arrival order.
    Verdict onMessage(std::int64_t prevSeqId, std::int64_t seqId);
    // After a break or a resubscription: the next message must be a snapshot.
    void reset() { m_last.reset(); }
    std::optional<std::int64_t> last() const { return m_last; }

private:
    std::optional<std::int64_t> m_last;
};

} // namespace tickscope::feeds::okx
