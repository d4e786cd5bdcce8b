// A mount namespace of the process's own, for tests and benchmarks that mount a small tmpfs (a
// journal disk that fills up). Call it from a static initializer: unshare(CLONE_NEWNS) refuses
// a threaded process. Mounts are made private so that none propagates out; inside
// scripts/devenv's chroot they are already (unshare --mount) and "/" is no mount point, so that
// step may fail there. False unless root.
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

namespace tickscope::testing {

inline bool enterPrivateMountNamespace()
{
    if (::geteuid() != 0 || ::unshare(CLONE_NEWNS) != 0)
        return false;
    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    return true;
}

} // namespace tickscope::testing
