#include "app/ingest/free_memory.h"

#include <fstream>
#include <malloc.h>
#include <unistd.h>

namespace tickscope::ingest {

namespace {

// Resident minus file-backed and shared pages: the heap, the arenas and the stacks.
std::size_t residentAnonymousBytes()
{
    std::ifstream statm("/proc/self/statm");
    std::size_t size = 0;
    std::size_t resident = 0;
    std::size_t shared = 0;
    if (!(statm >> size >> resident >> shared) || shared > resident)
        return 0;
    return (resident - shared) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

MemoryTrim trimFreeMemory(std::size_t keepFreeBytes)
{
    MemoryTrim trim;
    trim.freeBytes = mallinfo2().fordblks;
    if (trim.freeBytes <= keepFreeBytes)
        return trim;
    trim.anonymousBytesBefore = residentAnonymousBytes();
    const auto started = std::chrono::steady_clock::now();
    malloc_trim(0);
    trim.took = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    trim.anonymousBytesAfter = residentAnonymousBytes();
    trim.trimmed = true;
    return trim;
}

} // namespace tickscope::ingest
