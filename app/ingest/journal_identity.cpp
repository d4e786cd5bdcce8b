#include "app/ingest/journal_identity.h"

#include "app/ingest/journal_writer.h"

#include <QUuid>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <format>
#include <fstream>
#include <unistd.h>

namespace tickscope::ingest::journal {

namespace {

std::expected<Identity, std::string> readIdentity(const std::filesystem::path &file)
{
    std::ifstream in{file};
    if (!in)
        return std::unexpected(
            std::format("cannot read {}: {}", file.string(), std::strerror(errno)));
    std::string magic;
    int format = 0;
    std::string id;
    if (!(in >> magic >> format >> id) || magic != "tickscope-journal" || id.size() != 32
        || id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return std::unexpected(std::format(
            "{} is not a Tickscope journal identity (expected \"tickscope-journal {} <32 hex "
            "digits>\")",
            file.string(), kFormat));
    if (format != kFormat)
        return std::unexpected(std::format("the journal {} has format {}; this build reads "
                                           "format {}",
            file.parent_path().string(), format, kFormat));
    Identity identity{id};
    for (std::string line; std::getline(in, line);) {
        const auto blank = line.find(' ');
        if (blank == std::string::npos)
            continue;
        const std::string_view key = std::string_view(line).substr(0, blank);
        if (key == "source")
            identity.source = line.substr(blank + 1);
        else if (key == "database")
            identity.database = line.substr(blank + 1);
    }
    return identity;
}

std::string identityText(const Identity &identity)
{
    std::string text = std::format("tickscope-journal {} {}\n", kFormat, identity.id);
    if (!identity.source.empty())
        text += std::format("source {}\n", identity.source);
    if (!identity.database.empty())
        text += std::format("database {}\n", identity.database);
    return text;
}

// Writes `text` to a new file `path`, synced; false with errno set when it could not.
bool writeSynced(const std::filesystem::path &path, const std::string &text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
        && ::fsync(fd) == 0;
    const int writeErrno = errno;
    ::close(fd);
    errno = writeErrno;
    return written;
}

void syncDirectory(const std::filesystem::path &directory)
{
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

std::expected<Identity, std::string> openIdentity(const std::filesystem::path &directory)
{
    const auto file = directory / kIdentityFile;
    std::error_code error;
    if (std::filesystem::exists(file, error))
        return readIdentity(file);
    std::filesystem::create_directories(directory, error);
    if (error)
        return std::unexpected(std::format(
            "cannot create journal directory {}: {}", directory.string(), error.message()));
    const auto segments = listSegments(directory);
    if (!segments)
        return std::unexpected(segments.error());
    if (!segments->empty())
        return std::unexpected(
            std::format("the journal directory {} holds segments but no {}: they were written "
                        "by an older Tickscope in another format; move them elsewhere (an "
                        "older Tickscope can still replay them) or choose another [journal] "
                        "directory",
                directory.string(), kIdentityFile));

    const std::string id = QUuid::createUuid().toString(QUuid::Id128).toStdString();
    // Written whole under a temporary name, then linked in: a crash never leaves half a file,
    // and of two creators racing, the first link wins and the other reads it.
    const auto temporary = directory / std::format(".{}.{}", kIdentityFile, id);
    if (!writeSynced(temporary, identityText(Identity{id}))) {
        const int writeErrno = errno;
        std::filesystem::remove(temporary, error);
        return std::unexpected(
            std::format("cannot write {}: {}", temporary.string(), std::strerror(writeErrno)));
    }
    const bool linked = ::link(temporary.c_str(), file.c_str()) == 0;
    const int linkErrno = errno;
    std::filesystem::remove(temporary, error);
    if (!linked && linkErrno != EEXIST)
        return std::unexpected(
            std::format("cannot create {}: {}", file.string(), std::strerror(linkErrno)));
    syncDirectory(directory);
    return readIdentity(file);
}

std::expected<void, std::string> bindIdentity(
    const std::filesystem::path &directory, const Identity &identity)
{
    const auto file = directory / kIdentityFile;
    const auto there = readIdentity(file);
    if (!there)
        return std::unexpected(there.error());
    if (there->id != identity.id)
        return std::unexpected(std::format("{} holds journal {}, not {}: it was replaced meanwhile",
            file.string(), there->id, identity.id));
    // Replaced whole by a rename: a reader sees the old file or the new one, never half.
    const auto temporary = directory / std::format(".{}.{}.bind", kIdentityFile, identity.id);
    std::error_code error;
    if (!writeSynced(temporary, identityText(identity))
        || ::rename(temporary.c_str(), file.c_str()) != 0) {
        const int failed = errno;
        std::filesystem::remove(temporary, error);
        return std::unexpected(
            std::format("cannot write {}: {}", file.string(), std::strerror(failed)));
    }
    syncDirectory(directory);
    return {};
}

} // namespace tickscope::ingest::journal
