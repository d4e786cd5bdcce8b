// Appends every raw message of one feed, with its receive time, to zstd-compressed journal
// segments before anything parses it. flush() hands what was appended to the operating system (it
// then survives the process being killed); sync() also waits for the disk. Segments rotate by size
// and age; a sealed segment is reported with its checksum for audit.journal_segments.
// Used by one thread at a time (the feed thread).
#pragma once

#include "app/ingest/journal_format.h"

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
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
    // Opens `directory` (created if missing) and starts a new segment after the existing ones.
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

    // Segments sealed since the last call.
    std::vector<SealedSegment> takeSealed();
    Position nextPosition() const;
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
};

// Segment numbers present in `directory`, ascending.
std::vector<std::int64_t> listSegments(const std::filesystem::path &directory);

} // namespace tickscope::ingest::journal
