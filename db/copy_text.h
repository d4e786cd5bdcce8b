// Values in PostgreSQL's COPY text format, appended to a reusable buffer without allocations:
// timestamps from ns since the epoch, exact decimals, and numeric arrays of book levels.
#pragma once

#include "app/model/book.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace tickscope::db::copy_text {

// "2026-11-24 13:05:09.123456+00": microseconds, as timestamptz keeps them (ns are truncated).
void appendTimestamp(std::string &out, std::int64_t nsSinceEpoch);

inline void appendInt(std::string &out, std::int64_t value)
{
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

// "{67000.1,67000.05}" (prices) or "{0.5,1.25}" (sizes) of book levels.
enum class LevelField { Price, Size };
void appendLevelArray(
    std::string &out, const std::vector<model::PriceLevel> &levels, LevelField field);

} // namespace tickscope::db::copy_text
