// Timestamps in PostgreSQL's text format, from ns since the epoch, appended to a reusable
// buffer without allocations: for the parameters of audit rows (COPY itself is binary).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace tickscope::db::copy_text {

// "2026-11-24 13:05:09.123456+00": microseconds, as timestamptz keeps them (ns are truncated).
void appendTimestamp(std::string &out, std::int64_t nsSinceEpoch);

inline void appendInt(std::string &out, std::int64_t value)
{
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

} // namespace tickscope::db::copy_text
