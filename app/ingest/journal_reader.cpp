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
    std::int64_t skipUntil = 0; // records of this segment that seek() asked to pass over
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

    std::expected<void, std::string> openSegment(std::int64_t number)
    {
        if (fd >= 0)
            ::close(fd);
        const auto path = directory / segmentFileName(number);
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return std::unexpected(std::format(
                "cannot open journal segment {}: {}", path.string(), std::strerror(errno)));
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
    std::expected<bool, std::string> fill()
    {
        bool progressed = false;
        for (;;) {
            // A decoder that filled the whole output buffer may hold more: it gives it out on
            // the next call, with or without new input. Only then is the file read again.
            if (in.pos == in.size && !decoderFull) {
                const ssize_t got = ::read(fd, input.data(), input.size());
                if (got < 0)
                    return std::unexpected(std::format(
                        "cannot read journal segment {}: {}", segment, std::strerror(errno)));
                if (got == 0)
                    return progressed;
                in = {input.data(), static_cast<std::size_t>(got), 0};
            }
            ZSTD_outBuffer output{out.data(), out.size(), 0};
            const std::size_t result = ZSTD_decompressStream(context, &output, &in);
            decoderFull = output.pos == output.size;
            if (ZSTD_isError(result))
                return std::unexpected(std::format(
                    "journal segment {} is corrupt: {}", segment, ZSTD_getErrorName(result)));
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
    std::expected<std::optional<Record>, std::string> take()
    {
        const std::size_t available = plain.size() - consumed;
        if (available < kHeaderBytes)
            return std::nullopt;
        Record record;
        std::uint32_t length = 0;
        decodeHeader(plain.data() + consumed, record, length);
        if (length > kMaxPayloadBytes || record.kind < RecordKind::WebSocketText
            || record.kind > RecordKind::Marker)
            return std::unexpected(
                std::format("journal segment {} is corrupt at record {}", segment, index));
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

std::expected<void, std::string> JournalReader::seek(Position from)
{
    for (const std::int64_t segment : listSegments(m_impl->directory)) {
        if (segment < from.segment)
            continue;
        if (auto opened = m_impl->openSegment(segment); !opened)
            return opened;
        m_impl->skipUntil = segment == from.segment ? from.index : 0;
        return {};
    }
    m_impl->segment = from.segment - 1; // nothing yet; next() looks for later segments
    m_impl->skipUntil = 0;
    return {};
}

Position JournalReader::skipSegment()
{
    Impl &impl = *m_impl;
    const Position skipped{impl.segment, std::max(impl.index, impl.skipUntil)};
    if (impl.fd >= 0)
        ::close(impl.fd);
    impl.fd = -1;
    impl.plain.clear();
    impl.consumed = 0;
    impl.in = {impl.input.data(), 0, 0};
    return skipped;
}

void JournalReader::setEnd(std::optional<Position> end)
{
    m_impl->end = end;
}

std::expected<std::optional<Record>, std::string> JournalReader::next()
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
                if ((*record)->position.index < impl.skipUntil)
                    continue;
                return record;
            }
            auto filled = impl.fill();
            if (!filled)
                return std::unexpected(filled.error());
            if (*filled)
                continue;
        }
        // The end of this segment for now: move on if a later one exists.
        std::int64_t later = -1;
        for (const std::int64_t segment : listSegments(impl.directory)) {
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
        impl.skipUntil = 0;
    }
}

} // namespace tickscope::ingest::journal
