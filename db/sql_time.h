// Exact conversions between ns since the epoch and timestamptz in SQL text (the server keeps µs;
// to_timestamp(double) would round).
#pragma once

#include <cstdint>
#include <format>
#include <string>
#include <string_view>

namespace tickscope::db {

// A timestamptz from µs since the epoch: `microseconds` is a query parameter ("$2") or a number.
inline std::string timestampFromMicroseconds(std::string_view microseconds)
{
    return std::format("(timestamptz 'epoch' + {} * interval '1 microsecond')", microseconds);
}

// ns since the epoch as a timestamptz literal.
inline std::string timestampLiteral(std::int64_t ns)
{
    return timestampFromMicroseconds(std::to_string(ns / 1000));
}

// A timestamptz column as ns since the epoch.
inline std::string epochNanoseconds(std::string_view column)
{
    return std::format("(extract(epoch FROM {}) * 1000000)::bigint * 1000", column);
}

} // namespace tickscope::db
