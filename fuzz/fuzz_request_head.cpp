// Bytes a client sent, in pieces as they may arrive: the verdict on the head never goes back from
// a refusal, and a complete head never claims more bytes than were received.
#include "app/net/request_head.h"

#include <cstdint>

using tickscope::net::inspectRequestHead;
using Verdict = tickscope::net::RequestHead::Verdict;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView received{data, static_cast<qsizetype>(size)};
    const tickscope::net::RequestHeadLimits limits{
        .maxRequestLineBytes = 256, .maxHeadBytes = 1024};
    const auto whole = inspectRequestHead(received, limits);
    if (whole.verdict == Verdict::Complete && whole.headBytes > received.size())
        __builtin_trap();
    // What was decided on a prefix stays decided once more bytes come.
    const auto prefix = inspectRequestHead(received.first(received.size() / 2), limits);
    if (prefix.verdict != Verdict::Incomplete && prefix.verdict != whole.verdict)
        __builtin_trap();
    return 0;
}
