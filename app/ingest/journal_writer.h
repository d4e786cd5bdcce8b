// Appends every raw message of one feed, with its receive time, to zstd-compressed journal
// segments before anything parses it. flush() hands what was appended to the operating system (it
// then survives the process being killed); sync() also waits for the disk, and only what it
// made durable may be committed to the database (durableEnd()), so that no row is ever stored
// whose raw message a power cut could take away. Segments rotate by size and age; a sealed
// segment is reported with its checksum for audit.journal_segments.
// Used by one thread at a time (the feed thread).
#pragma once

#include "app/ingest/journal_format.h"
#include "app/ingest/journal_identity.h"

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::ingest::journal {

struct WriterOptions
{
    std::uint64_t maxSegmentBytes = 256ull << 20; // uncompressed
    std::chrono::seconds maxSegmentAge{3600};
    int compressionLevel = 1;
};

using SealedSegment = model::JournalSegment;

class JournalWriter
{
public:
    // Opens the journal in `directory` (created with its identity if missing) and starts a new
    // segment after the existing ones.
    static std::expected<std::unique_ptr<JournalWriter>, std::string> open(
        const std::filesystem::path &directory, const WriterOptions &options = {});
    ~JournalWriter(); // seals the open segment
    JournalWriter(const JournalWriter &) = delete;
    JournalWriter &operator=(const JournalWriter &) = delete;

    std::expected<Position, std::string> append(
        RecordKind kind, std::uint32_t tag, std::int64_t receivedAtNs, std::string_view payload);
    std::expected<void, std::string> flush();
    std::expected<void, std::string> sync();
    std::expected<void, std::string> seal();
    // After a failure: closes the open segment as it is on disk (its tail may be cut; readers
    // stop there) and reports it sealed with the checksum of what the file holds. The next
    // append starts a new segment. Yields the earliest receive time of the records it may have
    // lost (those appended since the last sync), for the outage window; none when all were
    // synced.
    std::optional<std::int64_t> abandon();
    // The last failure was for want of space (ENOSPC, EDQUOT), which may pass.
    bool diskFull() const;

    // Segments sealed since the last call.
    std::vector<SealedSegment> takeSealed();
    Position nextPosition() const;
    // Everything before this position is on disk (synced), the rest possibly not yet.
    Position durableEnd() const;
    const Identity &identity() const { return m_identity; }
    const std::filesystem::path &directory() const { return m_directory; }

private:
    JournalWriter(std::filesystem::path directory, const WriterOptions &options);
    std::expected<void, std::string> startSegment();
    std::expected<void, std::string> compress(std::string_view input, int mode);
    std::expected<void, std::string> writeOut(const char *data, std::size_t size);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::filesystem::path m_directory;
    WriterOptions m_options;
    Identity m_identity;
};

// Bytes that an unprivileged process may still write where `path` is; nullopt when unknown.
std::optional<std::uint64_t> freeBytes(const std::filesystem::path &path);

// Deletes the segments before `firstKept` whose files are older than `age`; what they held must
// be committed (the caller's checkpoint is in `firstKept` or later). Yields the segments deleted.
std::vector<std::int64_t> pruneSegments(
    const std::filesystem::path &directory, std::int64_t firstKept, std::chrono::seconds age);

// Segment numbers present in `directory`, ascending (none when it does not exist); an error when
// the directory cannot be read (EMFILE, EACCES, ...).
std::expected<std::vector<std::int64_t>, std::string> listSegments(
    const std::filesystem::path &directory);

// A journal as a run finds it before its feed starts: its identity, and the end of what earlier
// runs left, made durable (a killed run's last writes may still have been in the page cache).
struct ExistingJournal
{
    Identity identity;
    Position durableEnd; // the segment after the last one there
};
std::expected<ExistingJournal, std::string> prepareJournal(const std::filesystem::path &directory);

} // namespace tickscope::ingest::journal
