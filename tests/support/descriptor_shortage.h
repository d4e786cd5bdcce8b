// Every file descriptor of the test process taken, for as long as the object lives: what a
// process sees when idle clients or a leak used them all up (EMFILE). The soft limit is lowered
// first (to `limit`), so that taking the rest is quick; both come back at the end of the scope.
// For tests of what is retried rather than skipped when the system refuses (the journal reader
// and writer).
#pragma once

#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace tickscope::testing {

class DescriptorShortage
{
public:
    explicit DescriptorShortage(rlim_t limit = 512)
    {
        getrlimit(RLIMIT_NOFILE, &m_saved);
        rlimit lowered = m_saved;
        lowered.rlim_cur = limit;
        setrlimit(RLIMIT_NOFILE, &lowered);
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;)
            m_taken.push_back(fd);
    }
    ~DescriptorShortage() { end(); }
    DescriptorShortage(const DescriptorShortage &) = delete;
    DescriptorShortage &operator=(const DescriptorShortage &) = delete;

    // Whether the process had none left once they were taken.
    bool exhausted() const
    {
        const int spare = ::dup(0);
        if (spare >= 0) {
            ::close(spare);
            return false;
        }
        return errno == EMFILE;
    }
    // Gives the descriptors and the limit back before the end of the scope.
    void end()
    {
        for (const int fd : m_taken)
            ::close(fd);
        m_taken.clear();
        setrlimit(RLIMIT_NOFILE, &m_saved);
    }

private:
    rlimit m_saved{};
    std::vector<int> m_taken;
};

} // namespace tickscope::testing
