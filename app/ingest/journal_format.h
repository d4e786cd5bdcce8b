// The on-disk format of the raw-message journal, shared by its writer and reader.
//
// A feed's journal is a directory of segments, <feed>/<segment, 10 digits>.journal.zst, each one
// zstd stream of records: a 17-byte little-endian header (kind u8, tag u32, receivedAtNs i64,
// length u32) and `length` payload bytes. A segment is never appended to after its writer closed
// it; a crash may leave its tail truncated, and readers stop there.
#pragma once

#include "app/feeds/raw_message.h"
#include "app/model/journal_position.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tickscope::ingest::journal {

using RecordKind = feeds::RawKind;

using Position = model::JournalPosition;

struct Record
{
    RecordKind kind = RecordKind::WebSocketText;
    std::uint32_t tag = 0;
    std::int64_t receivedAtNs = 0;
    std::string payload;
    Position position;
};

static_assert(std::endian::native == std::endian::little, "the journal is little-endian");

constexpr std::size_t kHeaderBytes = 17;
constexpr std::uint32_t kMaxPayloadBytes = 64u << 20; // larger records are a corrupt length

inline void encodeHeader(
    char *out, RecordKind kind, std::uint32_t tag, std::int64_t receivedAtNs, std::uint32_t length)
{
    out[0] = static_cast<char>(kind);
    std::memcpy(out + 1, &tag, 4);
    std::memcpy(out + 5, &receivedAtNs, 8);
    std::memcpy(out + 13, &length, 4);
}

inline void decodeHeader(const char *in, Record &record, std::uint32_t &length)
{
    record.kind = static_cast<RecordKind>(static_cast<std::uint8_t>(in[0]));
    std::memcpy(&record.tag, in + 1, 4);
    std::memcpy(&record.receivedAtNs, in + 5, 8);
    std::memcpy(&length, in + 13, 4);
}

std::string segmentFileName(std::int64_t segment);

} // namespace tickscope::ingest::journal
