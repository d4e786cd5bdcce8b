// A query string as the query API receives it: every time, interval and cursor is parsed as the
// API parses it, and what is accepted is within the bounds that keep range arithmetic exact
// (issue 26, defect 2): times 1970-01-01 .. 2262-03-31, intervals 1 s .. 100 years.
#include "app/analytics/bar_builder.h"
#include "app/cli/cli.h"
#include "db/trade_queries.h"

#include <QUrlQuery>
#include <cstdint>

using namespace tickscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QUrlQuery query{
        QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size))};
    constexpr std::int64_t kEndNs = 9'222'422'400'000'000'000; // 2262-04-01T00:00:00Z
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == u"since" || key == u"from" || key == u"to") {
            const auto time = app::cli::parseTime(value);
            if (time && (*time < 0 || *time >= kEndNs))
                __builtin_trap();
        } else if (key == u"interval") {
            const auto interval = analytics::parseInterval(value.toStdString());
            if (interval
                && (*interval < 1'000'000'000 || *interval > analytics::kLongestIntervalNs))
                __builtin_trap();
        } else if (key == u"cursor") {
            (void)db::isTradeCursor(value.toStdString());
        }
    }
    return 0;
}
