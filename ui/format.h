// How the pages write sizes, times and durations, so that they all read alike.
#pragma once

#include <QDateTime>
#include <QString>
#include <QTimeZone>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>

namespace tickscope::ui::format {

inline QString bytes(std::int64_t value)
{
    static const char *kUnits[] = {"B", "kB", "MB", "GB", "TB"};
    double scaled = static_cast<double>(value);
    int unit = 0;
    while (scaled >= 1000 && unit < 4) {
        scaled /= 1000;
        ++unit;
    }
    return QString::number(scaled, 'f', unit == 0 ? 0 : 1) + u' ' + QLatin1String(kUnits[unit]);
}

// UTC, to the second: "2026-11-30 14:05:09"; "–" for none.
inline QString time(const std::optional<std::chrono::system_clock::time_point> &at)
{
    if (!at)
        return QStringLiteral("–");
    const auto ms
        = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

// Seconds since the epoch (pgBackRest's, the archiver's), as time() writes them; "–" for none.
inline QString unixTime(std::optional<std::int64_t> seconds)
{
    if (!seconds)
        return QStringLiteral("–");
    return time(std::chrono::system_clock::time_point{std::chrono::seconds{*seconds}});
}

// µs since the epoch, UTC to the millisecond: "2026-11-30 14:05:09.250".
inline QString microsTime(std::int64_t micros)
{
    return QDateTime::fromMSecsSinceEpoch(micros / 1000, QTimeZone::UTC)
        .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

// "45 s", "12 min", "3.5 h", "2.0 d"; negative durations keep their sign.
inline QString duration(double seconds)
{
    const double magnitude = std::fabs(seconds);
    const QString sign = seconds < 0 ? QStringLiteral("-") : QString();
    if (magnitude < 120)
        return sign + QString::number(magnitude, 'f', 0) + QStringLiteral(" s");
    if (magnitude < 7200)
        return sign + QString::number(magnitude / 60, 'f', 0) + QStringLiteral(" min");
    if (magnitude < 172'800)
        return sign + QString::number(magnitude / 3600, 'f', 1) + QStringLiteral(" h");
    return sign + QString::number(magnitude / 86'400, 'f', 1) + QStringLiteral(" d");
}

} // namespace tickscope::ui::format
