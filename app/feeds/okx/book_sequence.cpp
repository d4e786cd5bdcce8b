#include "app/feeds/okx/book_sequence.h"

namespace tickscope::feeds::okx {

BookSequence::Verdict BookSequence::onMessage(std::int64_t prevSeqId, std::int64_t seqId)
{
    if (prevSeqId == -1) {
        m_last = seqId;
        return Verdict::Continues;
    }
    if (!m_last)
        return Verdict::NoSnapshot;
    if (prevSeqId != *m_last) {
        m_last.reset();
        return Verdict::Break;
    }
    m_last = seqId;
    return seqId < prevSeqId ? Verdict::Reset : Verdict::Continues;
}

} // namespace tickscope::feeds::okx
