// What the host does to a test's or benchmark's own process, as faults: its wall
// clock stepped (CLOCK_REALTIME offset, as faketime does; the monotonic clock runs on), and the
// files under one directory refused (EIO on every read, write and sync, or EMFILE on every open).
// System calls defined in process_faults.cpp stand in front of the C library's for the whole
// process, its libraries included (symbol interposition), and pass everything else through.
// Linked only into the programs that inject these faults (tickscope_process_faults).
#pragma once

#include <chrono>
#include <string>

namespace tickscope::testing::process_faults {

// From now on CLOCK_REALTIME reads `offset` from the true time (zero: the true time again), on
// every thread but those that keep the true time.
void setWallClockOffset(std::chrono::nanoseconds offset);
// The calling thread reads the true time whatever the offset: a benchmark's simulated exchanges,
// whose clocks do not step with the host's.
void keepTrueClockOnThisThread();
// Whether the offset reaches std::chrono::system_clock (a build without the interposed calls
// would step nothing and prove nothing).
bool wallClockShimWorks();

enum class Refusal {
    None,
    IoError, // EIO on reads, writes and syncs of files already open, and on opens
    NoDescriptors, // EMFILE on opens; files already open keep working
};
// The files opened under `directory` from now on are the ones refuse() acts on.
void watchDirectory(const std::string &directory);
// The watched files are refused as `refusal` says, until it is None.
void refuse(Refusal refusal);

} // namespace tickscope::testing::process_faults
