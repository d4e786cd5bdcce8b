// A config file of any bytes: loaded, or refused with a message naming the file; never a crash.
#include "app/config/config.h"

#include <QFile>
#include <QString>
#include <cstdint>
#include <filesystem>
#include <unistd.h>

using namespace tickscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const QString path = QString::fromStdString((std::filesystem::temp_directory_path()
        / ("tickscope-fuzz-config-" + std::to_string(::getpid()) + ".toml"))
            .string());
    {
        QFile file{path};
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return 0;
        file.write(reinterpret_cast<const char *>(data), static_cast<qint64>(size));
    }
    const auto config = app::loadConfig(path, true);
    if (!config && !QString::fromStdString(config.error()).startsWith(path))
        __builtin_trap();
    return 0;
}
