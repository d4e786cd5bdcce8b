// RFC 3339 times as exchanges send them ("2023-09-25T07:48:36.925533Z", Kraken v2 and Coinbase):
// 0 to 9 fractional digits, 'Z' or a numeric offset, into nanoseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tickscope::feeds {

// Nullopt for anything else (a missing part, a bad field, a date before 1970).
std::optional<std::int64_t> parseRfc3339Ns(std::string_view text);

} // namespace tickscope::feeds
