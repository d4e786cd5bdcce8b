#include "app/ingest/journal_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <format>
#include <sys/statvfs.h>
#include <unistd.h>
#include <utility>
#include <xxhash.h>
#include <zstd.h>

namespace tickscope::ingest::journal {

namespace {

constexpr std::string_view kSuffix = ".journal.zst";

std::string systemError(std::string_view what, const std::filesystem::path &path)
{
    return std::format("{} {}: {}", what, path.string(), std::strerror(errno));
}

bool outOfSpace(int error)
{
    return error == ENOSPC || error == EDQUOT;
}

std::uint64_t fileChecksum(const std::filesystem::path &path)
{
    XXH64_state_t *state = XXH64_createState();
    XXH64_reset(state, 0);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<char> buffer(1 << 16);
    for (ssize_t got = 0; fd >= 0 && (got = ::read(fd, buffer.data(), buffer.size())) > 0;)
        XXH64_update(state, buffer.data(), static_cast<std::size_t>(got));
    if (fd >= 0)
        ::close(fd);
    const std::uint64_t digest = XXH64_digest(state);
    XXH64_freeState(state);
    return digest;
}

} // namespace

std::string segmentFileName(std::int64_t segment)
{
    return std::format("{:010}{}", segment, kSuffix);
}

std::expected<std::vector<std::int64_t>, std::string> listSegments(
    const std::filesystem::path &directory)
{
    std::vector<std::int64_t> segments;
    std::error_code error;
    std::filesystem::directory_iterator entries{directory, error};
    // A directory not there holds no segment; one that cannot be read is no answer.
    if (error && error != std::errc::no_such_file_or_directory)
        return std::unexpected(
            std::format("cannot list journal {}: {}", directory.string(), error.message()));
    for (const auto &entry : entries) {
        const std::string name = entry.path().filename().string();
        if (name.size() != 10 + kSuffix.size() || !name.ends_with(kSuffix)
            || !std::all_of(
                name.begin(), name.begin() + 10, [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        segments.push_back(std::stoll(name.substr(0, 10)));
    }
    std::ranges::sort(segments);
    return segments;
}

std::expected<ExistingJournal, std::string> prepareJournal(const std::filesystem::path &directory)
{
    auto identity = openIdentity(directory);
    if (!identity)
        return std::unexpected(identity.error());
    const auto segments = listSegments(directory);
    if (!segments)
        return std::unexpected(segments.error());
    for (const std::int64_t segment : *segments) {
        const auto path = directory / segmentFileName(segment);
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fsync(fd) != 0) {
            const std::string why = systemError("cannot sync journal segment", path);
            if (fd >= 0)
                ::close(fd);
            return std::unexpected(why);
        }
        ::close(fd);
    }
    return ExistingJournal{
        std::move(*identity), Position{segments->empty() ? 0 : segments->back() + 1, 0}};
}

struct JournalWriter::Impl
{
    ZSTD_CCtx *context = ZSTD_createCCtx();
    XXH64_state_t *hash = XXH64_createState();
    std::vector<char> output = std::vector<char>(ZSTD_CStreamOutSize());
    int fd = -1;
    std::filesystem::path path;
    SealedSegment current;
    std::uint64_t plainBytes = 0;
    std::chrono::steady_clock::time_point openedAt;
    bool dirty = false; // appended since the last flush
    bool diskFull = false;
    Position durable;
    // The earliest receive time of the records appended since the last sync: what a failure
    // may lose (zstd may still hold them, or the file lacks them).
    std::optional<std::int64_t> firstUnsyncedNs;
    std::vector<SealedSegment> sealed;

    ~Impl()
    {
        if (fd >= 0)
            ::close(fd);
        ZSTD_freeCCtx(context);
        XXH64_freeState(hash);
    }
};

JournalWriter::JournalWriter(std::filesystem::path directory, const WriterOptions &options)
    : m_impl(std::make_unique<Impl>())
    , m_directory(std::move(directory))
    , m_options(options)
{ }

JournalWriter::~JournalWriter()
{
    if (m_impl->fd >= 0)
        (void)seal();
}

std::expected<std::unique_ptr<JournalWriter>, std::string> JournalWriter::open(
    const std::filesystem::path &directory, const WriterOptions &options)
{
    auto existing = prepareJournal(directory);
    if (!existing)
        return std::unexpected(existing.error());
    std::unique_ptr<JournalWriter> writer{new JournalWriter(directory, options)};
    writer->m_identity = std::move(existing->identity);
    writer->m_impl->current.segment = existing->durableEnd.segment;
    writer->m_impl->durable = existing->durableEnd;
    if (auto started = writer->startSegment(); !started)
        return std::unexpected(started.error());
    return writer;
}

std::expected<void, std::string> JournalWriter::startSegment()
{
    Impl &impl = *m_impl;
    impl.path = m_directory / segmentFileName(impl.current.segment);
    impl.fd = ::open(impl.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (impl.fd < 0) {
        impl.diskFull = outOfSpace(errno);
        return std::unexpected(systemError("cannot create journal segment", impl.path));
    }
    ZSTD_CCtx_reset(impl.context, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(impl.context, ZSTD_c_compressionLevel, m_options.compressionLevel);
    ZSTD_CCtx_setParameter(impl.context, ZSTD_c_checksumFlag, 1);
    XXH64_reset(impl.hash, 0);
    impl.current = SealedSegment{.segment = impl.current.segment, .path = impl.path.string()};
    impl.plainBytes = 0;
    impl.openedAt = std::chrono::steady_clock::now();
    // The directory entry of the new file must survive a crash too.
    const int directoryFd = ::open(m_directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directoryFd >= 0) {
        ::fsync(directoryFd);
        ::close(directoryFd);
    }
    return {};
}

std::expected<void, std::string> JournalWriter::writeOut(const char *data, std::size_t size)
{
    Impl &impl = *m_impl;
    XXH64_update(impl.hash, data, size);
    impl.current.fileBytes += size;
    while (size > 0) {
        const ssize_t written = ::write(impl.fd, data, size);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            impl.diskFull = outOfSpace(errno);
            return std::unexpected(systemError("cannot write journal segment", impl.path));
        }
        data += written;
        size -= static_cast<std::size_t>(written);
    }
    return {};
}

std::expected<void, std::string> JournalWriter::compress(std::string_view input, int mode)
{
    Impl &impl = *m_impl;
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    for (;;) {
        ZSTD_outBuffer out{impl.output.data(), impl.output.size(), 0};
        const std::size_t remaining
            = ZSTD_compressStream2(impl.context, &out, &in, static_cast<ZSTD_EndDirective>(mode));
        if (ZSTD_isError(remaining))
            return std::unexpected(std::format("zstd: {}", ZSTD_getErrorName(remaining)));
        if (out.pos > 0) {
            if (auto written = writeOut(impl.output.data(), out.pos); !written)
                return written;
        }
        const bool done = mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0;
        if (done)
            return {};
    }
}

std::expected<Position, std::string> JournalWriter::append(
    RecordKind kind, std::uint32_t tag, std::int64_t receivedAtNs, std::string_view payload)
{
    Impl &impl = *m_impl;
    if (payload.size() > kMaxPayloadBytes)
        return std::unexpected(
            std::format("a {} byte message is larger than the journal's limit of {}",
                payload.size(), kMaxPayloadBytes));
    if (impl.plainBytes >= m_options.maxSegmentBytes
        || std::chrono::steady_clock::now() - impl.openedAt >= m_options.maxSegmentAge) {
        if (auto sealed = seal(); !sealed)
            return std::unexpected(sealed.error());
    }
    if (impl.fd < 0) {
        if (auto started = startSegment(); !started)
            return std::unexpected(started.error());
    }
    char header[kHeaderBytes];
    encodeHeader(header, kind, tag, receivedAtNs, static_cast<std::uint32_t>(payload.size()));
    if (auto done = compress({header, kHeaderBytes}, ZSTD_e_continue); !done)
        return std::unexpected(done.error());
    if (auto done = compress(payload, ZSTD_e_continue); !done)
        return std::unexpected(done.error());

    const Position position{impl.current.segment, impl.current.records};
    if (impl.current.records == 0)
        impl.current.firstReceivedAtNs = receivedAtNs;
    impl.current.lastReceivedAtNs = receivedAtNs;
    ++impl.current.records;
    impl.plainBytes += kHeaderBytes + payload.size();
    impl.dirty = true;
    impl.firstUnsyncedNs = std::min(impl.firstUnsyncedNs.value_or(receivedAtNs), receivedAtNs);
    return position;
}

std::expected<void, std::string> JournalWriter::flush()
{
    Impl &impl = *m_impl;
    if (!impl.dirty || impl.fd < 0)
        return {};
    impl.dirty = false;
    return compress({}, ZSTD_e_flush);
}

std::expected<void, std::string> JournalWriter::sync()
{
    if (auto flushed = flush(); !flushed)
        return flushed;
    if (m_impl->fd >= 0 && ::fdatasync(m_impl->fd) != 0) {
        m_impl->diskFull = outOfSpace(errno);
        return std::unexpected(systemError("cannot sync journal segment", m_impl->path));
    }
    m_impl->durable = nextPosition();
    m_impl->firstUnsyncedNs.reset();
    return {};
}

std::expected<void, std::string> JournalWriter::seal()
{
    Impl &impl = *m_impl;
    if (impl.fd < 0)
        return {};
    if (auto ended = compress({}, ZSTD_e_end); !ended)
        return ended;
    if (::fsync(impl.fd) != 0) {
        impl.diskFull = outOfSpace(errno);
        return std::unexpected(systemError("cannot sync journal segment", impl.path));
    }
    ::close(impl.fd);
    impl.fd = -1;
    impl.dirty = false;
    impl.current.checksum = XXH64_digest(impl.hash);
    impl.sealed.push_back(impl.current);
    ++impl.current.segment;
    impl.current.records = 0;
    impl.durable = nextPosition();
    impl.firstUnsyncedNs.reset();
    return {};
}

std::optional<std::int64_t> JournalWriter::abandon()
{
    Impl &impl = *m_impl;
    if (impl.fd >= 0) {
        ::fsync(impl.fd); // what did reach the file stays readable, if the disk allows
        ::close(impl.fd);
        impl.fd = -1;
        std::error_code error;
        const auto size = std::filesystem::file_size(impl.path, error);
        impl.current.fileBytes = error ? 0 : size;
        impl.current.checksum = fileChecksum(impl.path);
        impl.sealed.push_back(impl.current);
        ++impl.current.segment;
    }
    impl.current.records = 0;
    impl.dirty = false;
    impl.durable = nextPosition();
    return std::exchange(impl.firstUnsyncedNs, std::nullopt);
}

bool JournalWriter::diskFull() const
{
    return m_impl->diskFull;
}

std::optional<std::uint64_t> freeBytes(const std::filesystem::path &path)
{
    struct statvfs info = {};
    if (::statvfs(path.c_str(), &info) != 0)
        return std::nullopt;
    return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

std::vector<std::int64_t> pruneSegments(
    const std::filesystem::path &directory, std::int64_t firstKept, std::chrono::seconds age)
{
    std::vector<std::int64_t> pruned;
    const auto cutoff = std::filesystem::file_time_type::clock::now() - age;
    for (const std::int64_t segment :
        listSegments(directory).value_or(std::vector<std::int64_t>{})) {
        if (segment >= firstKept)
            break;
        const auto path = directory / segmentFileName(segment);
        std::error_code error;
        const auto written = std::filesystem::last_write_time(path, error);
        if (!error && written < cutoff && std::filesystem::remove(path, error))
            pruned.push_back(segment);
    }
    return pruned;
}

std::vector<SealedSegment> JournalWriter::takeSealed()
{
    return std::exchange(m_impl->sealed, {});
}

Position JournalWriter::durableEnd() const
{
    return m_impl->durable;
}

Position JournalWriter::nextPosition() const
{
    return {m_impl->current.segment, m_impl->current.records};
}

} // namespace tickscope::ingest::journal
