#include "db/copy_text.h"

namespace tickscope::db::copy_text {

namespace {

void appendTwoDigits(std::string &out, unsigned value)
{
    out.push_back(static_cast<char>('0' + value / 10));
    out.push_back(static_cast<char>('0' + value % 10));
}

} // namespace

void appendTimestamp(std::string &out, std::int64_t nsSinceEpoch)
{
    std::int64_t micros = nsSinceEpoch / 1000;
    std::int64_t seconds = micros / 1'000'000;
    std::int64_t fraction = micros % 1'000'000;
    if (fraction < 0) {
        fraction += 1'000'000;
        --seconds;
    }
    std::int64_t days = seconds / 86'400;
    std::int64_t secondOfDay = seconds % 86'400;
    if (secondOfDay < 0) {
        secondOfDay += 86'400;
        --days;
    }
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    days += 719'468;
    const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
    const auto dayOfEra = static_cast<unsigned>(days - era * 146'097);
    const unsigned yearOfEra
        = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36'524 - dayOfEra / 146'096) / 365;
    const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const unsigned monthIndex = (5 * dayOfYear + 2) / 153;
    const unsigned day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
    const unsigned month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
    const std::int64_t year = static_cast<std::int64_t>(yearOfEra) + era * 400 + (month <= 2);

    appendInt(out, year);
    out.push_back('-');
    appendTwoDigits(out, month);
    out.push_back('-');
    appendTwoDigits(out, day);
    out.push_back(' ');
    const auto daySeconds = static_cast<unsigned>(secondOfDay);
    appendTwoDigits(out, daySeconds / 3600);
    out.push_back(':');
    appendTwoDigits(out, daySeconds / 60 % 60);
    out.push_back(':');
    appendTwoDigits(out, daySeconds % 60);
    out.push_back('.');
    char digits[6];
    auto value = static_cast<unsigned>(fraction);
    for (int i = 5; i >= 0; --i, value /= 10)
        digits[i] = static_cast<char>('0' + value % 10);
    out.append(digits, 6);
    out.append("+00");
}

} // namespace tickscope::db::copy_text
