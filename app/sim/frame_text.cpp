#include "app/sim/frame_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <charconv>
#include <chrono>
#include <format>
#include <string_view>
#include <utility>

namespace tickscope::sim {

namespace {

// The digits before and after the point, the latter all `decimals` of them.
std::pair<std::string, std::string> split(std::int64_t mantissa, int decimals)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, mantissa).ptr;
    std::string text{digits, static_cast<std::size_t>(end - digits)};
    if (static_cast<int>(text.size()) <= decimals)
        text.insert(0, static_cast<std::size_t>(decimals) - text.size() + 1, '0');
    const std::size_t whole = text.size() - static_cast<std::size_t>(decimals);
    return {text.substr(0, whole), text.substr(whole)};
}

} // namespace

void appendFixedDecimal(std::string &out, std::int64_t mantissa, int decimals)
{
    const auto [whole, fraction] = split(mantissa, decimals);
    out += whole;
    if (!fraction.empty())
        out.append(1, '.').append(fraction);
}

void appendShortestDecimal(std::string &out, std::int64_t mantissa, int decimals)
{
    auto [whole, fraction] = split(mantissa, decimals);
    while (!fraction.empty() && fraction.back() == '0')
        fraction.pop_back();
    out += whole;
    if (!fraction.empty())
        out.append(1, '.').append(fraction);
}

std::string rfc3339(std::int64_t timeUs)
{
    return std::format("{:%FT%T}Z",
        std::chrono::sys_time<std::chrono::microseconds>{std::chrono::microseconds{timeUs}});
}

std::string jsonText(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.sliced(1, array.size() - 2).toStdString();
}

} // namespace tickscope::sim
