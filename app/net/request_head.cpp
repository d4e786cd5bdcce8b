#include "app/net/request_head.h"

namespace tickscope::net {

namespace {

using Verdict = RequestHead::Verdict;

bool isLineBreak(char c)
{
    return c == '\r' || c == '\n';
}

// Whether a header line (without its line break, with a colon) is the header `name`, whatever
// its case and the blanks around it, as Qt's parser reads it; then its trimmed value.
bool headerNamed(QByteArrayView line, QByteArrayView name, QByteArrayView &value)
{
    const qsizetype colon = line.indexOf(':');
    if (line.first(colon).trimmed().compare(name, Qt::CaseInsensitive) != 0)
        return false;
    value = line.sliced(colon + 1).trimmed();
    return true;
}

} // namespace

RequestHead inspectRequestHead(QByteArrayView received, const RequestHeadLimits &limits)
{
    // Blank lines before a request are skipped, as Qt's parser skips them.
    qsizetype start = 0;
    while (start < received.size() && isLineBreak(received[start]))
        ++start;
    const QByteArrayView request = received.sliced(start);

    // Not whole yet: more may come, unless the limit is already passed.
    const auto incomplete = [&] {
        return RequestHead{.verdict
            = received.size() > limits.maxHeadBytes ? Verdict::HeadTooLarge : Verdict::Incomplete};
    };
    const qsizetype requestLineEnd = request.indexOf('\n');
    if (requestLineEnd < 0) {
        if (request.size() > limits.maxRequestLineBytes)
            return {.verdict = Verdict::RequestLineTooLong};
        return incomplete();
    }
    if (requestLineEnd > limits.maxRequestLineBytes)
        return {.verdict = Verdict::RequestLineTooLong};

    // The head ends at an empty line: CRLF CRLF, or a bare LF where a line break is expected.
    RequestHead head;
    QByteArrayView authorization;
    bool sawAuthorization = false;
    qsizetype lineStart = requestLineEnd + 1;
    while (true) {
        if (start + lineStart > limits.maxHeadBytes)
            return {.verdict = Verdict::HeadTooLarge};
        const qsizetype lineEnd = request.indexOf('\n', lineStart);
        if (lineEnd < 0)
            return incomplete();
        // A line that ends past the limit makes the head too large, whatever the line says: the
        // verdict on what has arrived must not change when more arrives.
        if (start + lineEnd + 1 > limits.maxHeadBytes)
            return {.verdict = Verdict::HeadTooLarge};
        QByteArrayView line = request.sliced(lineStart, lineEnd - lineStart);
        if (line.endsWith('\r'))
            line.chop(1);
        lineStart = lineEnd + 1;
        if (line.isEmpty())
            break;
        if (!line.contains(':'))
            return {.verdict = Verdict::Malformed};
        QByteArrayView value;
        if (headerNamed(line, "content-length", value)) {
            if (value != "0")
                return {.verdict = Verdict::BodyNotAllowed};
        } else if (headerNamed(line, "transfer-encoding", value)) {
            return {.verdict = Verdict::BodyNotAllowed};
        } else if (headerNamed(line, "authorization", value)) {
            if (sawAuthorization)
                return {.verdict = Verdict::Malformed};
            sawAuthorization = true;
            authorization = value;
        }
    }
    head.headBytes = start + lineStart;
    head.verdict = Verdict::Complete;
    head.authorization = authorization.toByteArray();
    return head;
}

} // namespace tickscope::net
