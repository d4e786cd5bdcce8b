#include "app/feeds/rfc3339.h"

#include <chrono>
#include <limits>

namespace tickscope::feeds {

namespace {

// The number written by `count` digits at `at`, or -1.
int digitsAt(std::string_view text, std::size_t at, std::size_t count)
{
    if (at + count > text.size())
        return -1;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

} // namespace

std::optional<std::int64_t> parseRfc3339Ns(std::string_view text)
{
    const int year = digitsAt(text, 0, 4);
    const int month = digitsAt(text, 5, 2);
    const int day = digitsAt(text, 8, 2);
    const int hour = digitsAt(text, 11, 2);
    const int minute = digitsAt(text, 14, 2);
    const int second = digitsAt(text, 17, 2);
    if (year < 1970 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0
        || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't')
        || text[13] != ':' || text[16] != ':' || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{year},
        std::chrono::month{static_cast<unsigned>(month)},
        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok())
        return std::nullopt;
    std::size_t at = 19;
    std::int64_t fractionNs = 0;
    if (at < text.size() && text[at] == '.') {
        ++at;
        std::int64_t scale = 100'000'000;
        const std::size_t first = at;
        for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
            if (at - first >= 9)
                return std::nullopt;
            fractionNs += (text[at] - '0') * scale;
            scale /= 10;
        }
        if (at == first)
            return std::nullopt;
    }
    int offsetSeconds = 0;
    const std::string_view zone = text.substr(std::min(at, text.size()));
    if (zone == "Z" || zone == "z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        const int hours = digitsAt(zone, 1, 2);
        const int minutes = digitsAt(zone, 4, 2);
        if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59)
            return std::nullopt;
        offsetSeconds = (zone[0] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
    } else {
        return std::nullopt;
    }
    const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
    const std::int64_t seconds = days * 86'400 + hour * 3600 + minute * 60 + second - offsetSeconds;
    // Before 1970, or after 2262-04-11 (nanoseconds past 64 bits): no exchange's time.
    if (seconds < 0 || seconds >= std::numeric_limits<std::int64_t>::max() / 1'000'000'000)
        return std::nullopt;
    return seconds * 1'000'000'000 + fractionNs;
}

} // namespace tickscope::feeds
