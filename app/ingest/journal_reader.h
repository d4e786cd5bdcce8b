// Reads a feed's journal back in order from any position: for the replay after a crash or a
// database outage, for `tickscope replay`, and to follow a journal that is still being written
// (next() yields nothing at the current end and more once the writer has flushed more).
#pragma once

#include "app/ingest/journal_format.h"

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tickscope::ingest::journal {

class JournalReader
{
public:
    explicit JournalReader(std::filesystem::path directory);
    ~JournalReader();
    JournalReader(const JournalReader &) = delete;
    JournalReader &operator=(const JournalReader &) = delete;

    // Starts at `from`: the first record at or after it.
    std::expected<void, std::string> seek(Position from);

    // Reads no record at or after `end` (what the journal's writer has not yet made durable);
    // nullopt: everything there is.
    void setEnd(std::optional<Position> end);

    // The next record; nullopt at the current end of the journal (also at a segment's truncated
    // tail, when no later segment exists). An error for what cannot be a journal (bad data in
    // the middle of a segment).
    std::expected<std::optional<Record>, std::string> next();

    // After an error: gives up the rest of the current segment; next() goes on with the next
    // segment once there is one. Yields the position of the first record given up.
    Position skipSegment();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace tickscope::ingest::journal
