#include "app/ingest/journal_reader.h"

#include "app/ingest/journal_writer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <format>
#include <unistd.h>
#include <vector>
#include <zstd.h>

namespace tickscope::ingest::journal {

struct JournalReader::Impl
{
    std::filesystem::path directory;
    ZSTD_DCtx *context = ZSTD_createDCtx();
    int fd = -1;
    std::int64_t segment = -1;
    std::int64_t index = 0; // records already returned (or skipped) from this segment
    Position start; // where seek() asked to begin: records before it are passed over
    std::optional<Position> end;
    std::vector<char> input = std::vector<char>(ZSTD_DStreamInSize());
    std::vector<char> out = std::vector<char>(ZSTD_DStreamOutSize());
    ZSTD_inBuffer in{input.data(), 0, 0};
    std::string plain; // decompressed bytes not yet consumed
    std::size_t consumed = 0;
    bool decoderFull = false; // the last call filled `out`: the decoder may hold more

    ~Impl()
    {
        if (fd >= 0)
            ::close(fd);
        ZSTD_freeDCtx(context);
    }

    void closeSegment()
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }

    // Leaves the reader as it was when the segment cannot be opened, so that it can try again.
    std::expected<void, ReadError> openSegment(std::int64_t number)
    {
        const auto path = directory / segmentFileName(number);
        const int opened = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (opened < 0)
            return std::unexpected(ReadError{ReadError::Kind::Io,
                std::format(
                    "cannot open journal segment {}: {}", path.string(), std::strerror(errno))});
        closeSegment();
        fd = opened;
        segment = number;
        index = 0;
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only);
        in = {input.data(), 0, 0};
        plain.clear();
        consumed = 0;
        decoderFull = false;
        return {};
    }

    // Decompresses what the file holds now; false when nothing new came.
    std::expected<bool, ReadError> fill()
    {
        bool progressed = false;
        for (;;) {
            // A decoder that filled the whole output buffer may hold more: it gives it out on
            // the next call, with or without new input. Only then is the file read again.
            if (in.pos == in.size && !decoderFull) {
                const ssize_t got = ::read(fd, input.data(), input.size());
                if (got < 0)
                    return std::unexpected(ReadError{ReadError::Kind::Io,
                        std::format(
                            "cannot read journal segment {}: {}", segment, std::strerror(errno))});
                if (got == 0)
                    return progressed;
                in = {input.data(), static_cast<std::size_t>(got), 0};
            }
            ZSTD_outBuffer output{out.data(), out.size(), 0};
            const std::size_t result = ZSTD_decompressStream(context, &output, &in);
            decoderFull = output.pos == output.size;
            if (ZSTD_isError(result))
                return std::unexpected(ReadError{ReadError::Kind::Corrupt,
                    std::format(
                        "journal segment {} is corrupt: {}", segment, ZSTD_getErrorName(result))});
            if (output.pos > 0) {
                if (consumed > 0) {
                    plain.erase(0, consumed);
                    consumed = 0;
                }
                plain.append(out.data(), output.pos);
                progressed = true;
            }
            if (plain.size() - consumed >= (1u << 20))
                return true;
        }
    }

    // A whole record from the decompressed bytes, if they hold one.
    std::expected<std::optional<Record>, ReadError> take()
    {
        const std::size_t available = plain.size() - consumed;
        if (available < kHeaderBytes)
            return std::nullopt;
        Record record;
        std::uint32_t length = 0;
        decodeHeader(plain.data() + consumed, record, length);
        if (length > kMaxPayloadBytes || record.kind < RecordKind::WebSocketText
            || record.kind > RecordKind::Marker)
            return std::unexpected(ReadError{ReadError::Kind::Corrupt,
                std::format("journal segment {} is corrupt at record {}", segment, index)});
        if (available < kHeaderBytes + length)
            return std::nullopt;
        record.payload.assign(plain.data() + consumed + kHeaderBytes, length);
        record.position = {segment, index};
        consumed += kHeaderBytes + length;
        ++index;
        return record;
    }
};

JournalReader::JournalReader(std::filesystem::path directory)
    : m_impl(std::make_unique<Impl>())
{
    m_impl->directory = std::move(directory);
}

JournalReader::~JournalReader() = default;

void JournalReader::seek(Position from)
{
    m_impl->closeSegment();
    m_impl->start = from;
    m_impl->segment = from.segment - 1; // next() opens the first segment from there
    m_impl->index = 0;
}

Position JournalReader::skipSegment()
{
    Impl &impl = *m_impl;
    const Position skipped{impl.segment,
        impl.segment == impl.start.segment ? std::max(impl.index, impl.start.index) : impl.index};
    impl.closeSegment();
    impl.plain.clear();
    impl.consumed = 0;
    impl.in = {impl.input.data(), 0, 0};
    return skipped;
}

void JournalReader::setEnd(std::optional<Position> end)
{
    m_impl->end = end;
}

std::expected<std::optional<Record>, ReadError> JournalReader::next()
{
    Impl &impl = *m_impl;
    for (;;) {
        if (impl.end && Position{impl.segment, impl.index} >= *impl.end)
            return std::nullopt;
        if (impl.fd >= 0) {
            auto record = impl.take();
            if (!record)
                return std::unexpected(record.error());
            if (*record) {
                if ((*record)->position < impl.start)
                    continue;
                return record;
            }
            auto filled = impl.fill();
            if (!filled)
                return std::unexpected(filled.error());
            if (*filled)
                continue;
        }
        // The end of this segment for now: move on if a later one exists (from seek(): the
        // first at or after its segment).
        const auto segments = listSegments(impl.directory);
        if (!segments)
            return std::unexpected(ReadError{ReadError::Kind::Io, segments.error()});
        std::int64_t later = -1;
        for (const std::int64_t segment : *segments) {
            if (segment > impl.segment) {
                later = segment;
                break;
            }
        }
        if (later < 0)
            return std::nullopt;
        // The writer finishes a segment before it creates the next: read what it wrote last.
        if (impl.fd >= 0) {
            auto filled = impl.fill();
            if (!filled)
                return std::unexpected(filled.error());
            if (*filled)
                continue;
        }
        if (auto opened = impl.openSegment(later); !opened)
            return std::unexpected(opened.error());
    }
}

} // namespace tickscope::ingest::journal
