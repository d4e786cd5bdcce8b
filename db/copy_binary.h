// Rows in PostgreSQL's binary COPY format, appended to a reusable buffer: about half as fast
// again to load as the text format (docs/performance.md). Timestamps from ns since the epoch,
// exact decimals as numeric's base-10000 digit groups, and book levels as numeric or bigint arrays.
#pragma once

#include "app/model/book.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::db::copy_binary {

void appendHeader(std::string &out);
void appendTrailer(std::string &out);
void beginRow(std::string &out, std::int16_t fields);

void appendInt16(std::string &out, std::int16_t value);
void appendInt32(std::string &out, std::int32_t value);
void appendInt64(std::string &out, std::int64_t value);
void appendChar(std::string &out, char value); // PostgreSQL's one-byte "char"
void appendText(std::string &out, std::string_view value); // UTF-8, as the server's encoding
void appendNull(std::string &out);
void appendUuid(std::string &out, const std::array<std::uint8_t, 16> &bytes);
// ns to the µs at or before it, as timestamps are stored (the text format truncates so too).
std::int64_t floorToMicroseconds(std::int64_t ns);
// timestamptz: µs since 2000-01-01.
void appendTimestamp(std::string &out, std::int64_t nsSinceEpoch);
void appendNumeric(std::string &out, const model::Decimal &value);

enum class LevelField { Price, Size };
inline const model::Decimal &levelValue(const model::PriceLevel &level, LevelField field)
{
    return field == LevelField::Price ? level.price : level.size;
}
void appendLevelArray(
    std::string &out, const std::vector<model::PriceLevel> &levels, LevelField field);
// bigint[] of each level's units at `scale`, which every one of them must fit (unitsAt).
void appendLevelUnits(
    std::string &out, const std::vector<model::PriceLevel> &levels, LevelField field, int scale);

} // namespace tickscope::db::copy_binary
