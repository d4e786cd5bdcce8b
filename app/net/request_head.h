// The head of an HTTP/1.1 request as far as it has arrived, checked before Qt's server parses it.
// The HTTP endpoint's listener (net::GuardedTcpServer) looks at what a client has sent so far
// through this, so that a request that is too large, carries a body or lacks the token is
// answered before it costs more than its bytes. Pure: unit tests and a fuzz target feed it bytes.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace tickscope::net {

struct RequestHeadLimits
{
    qsizetype maxRequestLineBytes = 8 * 1024; // method, target and version
    qsizetype maxHeadBytes = 16 * 1024; // request line, headers and the blank line
};

struct RequestHead
{
    enum class Verdict {
        Incomplete, // no blank line yet, and still within the limits
        Complete, // a whole head without a body: it may go to the router
        RequestLineTooLong, // 414
        HeadTooLarge, // 431
        BodyNotAllowed, // 413: every route is a GET without a body
        Malformed, // 400: a header line without a colon, two Authorization headers
    };
    Verdict verdict = Verdict::Incomplete;
    qsizetype headBytes = 0; // through the blank line, when Complete
    QByteArray authorization; // the Authorization header's value, when Complete
};

// What `received` (everything a connection has sent, from its first byte) holds so far.
RequestHead inspectRequestHead(QByteArrayView received, const RequestHeadLimits &limits = {});

} // namespace tickscope::net
