// A journal segment of any bytes, read to its end: a record that cannot be decoded must end the
// segment as corrupt, never crash the reader or hand out a record larger than the format allows.
#include "app/ingest/journal_format.h"
#include "app/ingest/journal_reader.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace tickscope::ingest::journal;

namespace {

const std::filesystem::path &directory()
{
    static const std::filesystem::path made = [] {
        auto path = std::filesystem::temp_directory_path()
            / ("tickscope-fuzz-journal-" + std::to_string(::getpid()));
        std::filesystem::create_directories(path);
        return path;
    }();
    return made;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    {
        std::ofstream segment{directory() / segmentFileName(0), std::ios::binary | std::ios::trunc};
        segment.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
    }
    JournalReader reader{directory()};
    reader.seek({});
    for (;;) {
        auto record = reader.next();
        if (!record || !*record)
            break;
        if ((*record)->payload.size() > kMaxPayloadBytes)
            __builtin_trap();
    }
    return 0;
}
