// Giving back what glibc's allocator keeps of freed memory. Each thread's arena grows to the most
// its thread has held at once, and glibc shrinks an arena only from its top: after a burst (a
// stall of a few seconds, then the backlog written) the process would keep that mark for the rest
// of its life (docs/reliability.md, the soaks). IngestService calls trimFreeMemory() now and then.
#pragma once

#include <chrono>
#include <cstddef>

namespace tickscope::ingest {

struct MemoryTrim
{
    std::size_t freeBytes = 0; // what the allocator held free before, in all its arenas
    std::size_t anonymousBytesBefore = 0; // the process's resident anonymous memory
    std::size_t anonymousBytesAfter = 0;
    std::chrono::microseconds took{0}; // the arenas are locked, one at a time, meanwhile
    bool trimmed = false;
};

// When the allocator holds more than `keepFreeBytes` free, gives its free pages back to the
// system (malloc_trim). The pages stay mapped: a later allocation faults them in again.
MemoryTrim trimFreeMemory(std::size_t keepFreeBytes);

} // namespace tickscope::ingest
