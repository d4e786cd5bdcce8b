// Both open and open64 are defined below; the headers must not rename one into the other.
#undef _FILE_OFFSET_BITS

#include "tests/support/process_faults.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <sys/types.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace tickscope::testing::process_faults;

std::atomic<std::int64_t> g_wallClockOffsetNs{0};
thread_local bool t_trueClock = false;
std::atomic<Refusal> g_refusal{Refusal::None};

// The watched directory with a trailing slash; written once before anything is watched.
std::array<char, 4096> g_directory{};
std::atomic<std::size_t> g_directoryLength{0};
std::mutex g_directoryMutex;

// Which descriptors are watched files; descriptors above the table are never watched.
constexpr int kTrackedDescriptors = 1 << 16;
std::array<std::atomic<bool>, kTrackedDescriptors> g_watched{};

template<typename Function> Function next(const char *name)
{
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

bool watchedPath(const char *path)
{
    const std::size_t length = g_directoryLength.load();
    return length > 0 && path != nullptr && std::strncmp(path, g_directory.data(), length) == 0;
}

bool watchedDescriptor(int fd)
{
    return fd >= 0 && fd < kTrackedDescriptors && g_watched[fd].load(std::memory_order_relaxed);
}

bool refused(int fd)
{
    return g_refusal.load(std::memory_order_relaxed) == Refusal::IoError && watchedDescriptor(fd);
}

// The real call, or EIO when `fd` is a watched file and I/O errors are on.
template<typename Real, typename... Arguments>
auto unlessRefused(Real real, int fd, Arguments... arguments)
{
    if (refused(fd)) {
        errno = EIO;
        return decltype(real(fd, arguments...)){-1};
    }
    return real(fd, arguments...);
}

using OpenFunction = int (*)(const char *, int, ...);

int openThrough(OpenFunction real, const char *path, int flags, mode_t mode)
{
    const bool watched = watchedPath(path);
    if (watched) {
        switch (g_refusal.load()) {
        case Refusal::None:
            break;
        case Refusal::IoError:
            errno = EIO;
            return -1;
        case Refusal::NoDescriptors:
            errno = EMFILE;
            return -1;
        }
    }
    const int fd = real(path, flags, mode);
    if (fd >= 0 && fd < kTrackedDescriptors)
        g_watched[fd].store(watched);
    return fd;
}

mode_t modeOf(int flags, va_list arguments)
{
    return (flags & (O_CREAT | O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(arguments, int)) : 0;
}

} // namespace

namespace tickscope::testing::process_faults {

void setWallClockOffset(std::chrono::nanoseconds offset)
{
    g_wallClockOffsetNs.store(offset.count());
}

bool wallClockShimWorks()
{
    const auto saved
        = g_wallClockOffsetNs.exchange(std::chrono::nanoseconds(std::chrono::hours(1)).count());
    std::chrono::system_clock::time_point stepped;
    std::thread{[&stepped] {
        stepped = std::chrono::system_clock::now();
    }}.join();
    g_wallClockOffsetNs.store(saved);
    // time() does not go through clock_gettime's symbol: the true time.
    const auto truth = std::chrono::system_clock::from_time_t(::time(nullptr));
    return stepped - truth > std::chrono::minutes(59);
}

void keepTrueClockOnThisThread()
{
    t_trueClock = true;
}

void watchDirectory(const std::string &directory)
{
    const std::lock_guard lock{g_directoryMutex};
    std::string prefix = directory;
    if (!prefix.ends_with('/'))
        prefix += '/';
    if (prefix.size() >= g_directory.size())
        return;
    g_directoryLength.store(0);
    std::memcpy(g_directory.data(), prefix.c_str(), prefix.size() + 1);
    g_directoryLength.store(prefix.size());
}

void refuse(Refusal refusal)
{
    g_refusal.store(refusal);
}

} // namespace tickscope::testing::process_faults

extern "C" {

int clock_gettime(clockid_t clock, timespec *time)
{
    static const auto real = next<int (*)(clockid_t, timespec *)>("clock_gettime");
    const int result = real(clock, time);
    const std::int64_t offset = g_wallClockOffsetNs.load(std::memory_order_relaxed);
    if (result == 0 && offset != 0 && !t_trueClock
        && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        constexpr std::int64_t kSecond = 1'000'000'000;
        const std::int64_t ns = time->tv_sec * kSecond + time->tv_nsec + offset;
        time->tv_sec = ns / kSecond;
        time->tv_nsec = ns % kSecond;
    }
    return result;
}

int open(const char *path, int flags, ...)
{
    static const auto real = next<OpenFunction>("open");
    va_list arguments;
    va_start(arguments, flags);
    const mode_t mode = modeOf(flags, arguments);
    va_end(arguments);
    return openThrough(real, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    static const auto real = next<OpenFunction>("open64");
    va_list arguments;
    va_start(arguments, flags);
    const mode_t mode = modeOf(flags, arguments);
    va_end(arguments);
    return openThrough(real, path, flags, mode);
}

int close(int fd)
{
    static const auto real = next<int (*)(int)>("close");
    if (fd >= 0 && fd < kTrackedDescriptors)
        g_watched[fd].store(false, std::memory_order_relaxed);
    return real(fd);
}

ssize_t read(int fd, void *buffer, size_t size)
{
    static const auto real = next<ssize_t (*)(int, void *, size_t)>("read");
    return unlessRefused(real, fd, buffer, size);
}

ssize_t write(int fd, const void *data, size_t size)
{
    static const auto real = next<ssize_t (*)(int, const void *, size_t)>("write");
    return unlessRefused(real, fd, data, size);
}

int fsync(int fd)
{
    static const auto real = next<int (*)(int)>("fsync");
    return unlessRefused(real, fd);
}

int fdatasync(int fd)
{
    static const auto real = next<int (*)(int)>("fdatasync");
    return unlessRefused(real, fd);
}

} // extern "C"
