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

// Why the journal could not be read. Only Corrupt is about the journal's content (a record or a
// frame that cannot be decoded: the rest of that segment is lost for good). Io is the system's
// refusal (EMFILE, EIO, EACCES, ...): nothing was consumed, and next() tried again may succeed.
struct ReadError
{
    enum class Kind { Io, Corrupt };
    Kind kind;
    std::string message;
};

class JournalReader
{
public:
    explicit JournalReader(std::filesystem::path directory);
    ~JournalReader();
    JournalReader(const JournalReader &) = delete;
    JournalReader &operator=(const JournalReader &) = delete;

    // Starts at `from`: the first record at or after it. Opens nothing yet: next() does.
    void seek(Position from);

    // Reads no record at or after `end` (what the journal's writer has not yet made durable);
    // nullopt: everything there is.
    void setEnd(std::optional<Position> end);

    // The next record; nullopt at the current end of the journal (also at a segment's truncated
    // tail, when no later segment exists). An error when a segment cannot be opened or read
    // (Io: call again later) or holds what cannot be a journal (Corrupt: bad data in the middle
    // of a segment).
    std::expected<std::optional<Record>, ReadError> next();

    // After a Corrupt error: gives up the rest of the current segment; next() goes on with the
    // next segment once there is one. Yields the position of the first record given up.
    Position skipSegment();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace tickscope::ingest::journal
