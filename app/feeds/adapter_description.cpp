#include "app/feeds/adapter_description.h"

#include <QStringList>
#include <QUrl>
#include <algorithm>
#include <charconv>
#include <format>

namespace tickscope::feeds {

std::optional<AdapterDescription::OptionProblem> AdapterDescription::checkOption(
    std::string_view key, std::string_view value) const
{
    const auto option = std::ranges::find(options, key, &AdapterOption::key);
    if (option == options.end())
        return OptionProblem{.unknownKey = true,
            .message
            = std::format("{} has no setting \"{}\"; it takes {}", name, key, optionKeys())};
    if (auto wrong = option->check(value))
        return OptionProblem{.message = std::move(*wrong)};
    return std::nullopt;
}

std::string AdapterDescription::optionKeys() const
{
    std::string keys;
    for (const auto &option : options)
        keys += std::format("{}{}", keys.empty() ? "" : ", ", option.key);
    return keys;
}

std::string AdapterDescription::describe() const
{
    std::string text = std::format("  {}: {}", name, summary);
    for (const auto &option : options)
        text += std::format("\n    {}: {}", option.key, option.help);
    return text;
}

std::optional<std::string> checkUrl(std::string_view value, std::initializer_list<QString> schemes)
{
    const QUrl url{
        QString::fromUtf8(value.data(), static_cast<qsizetype>(value.size())), QUrl::StrictMode};
    if (url.isValid() && !url.host().isEmpty()
        && std::ranges::find(schemes, url.scheme()) != schemes.end())
        return std::nullopt;
    return std::format("must be a {} URL with a host, not \"{}\"",
        QStringList(schemes).join(QStringLiteral(" or ")).toStdString(), value);
}

AdapterOption restUrlOption(std::string_view help)
{
    return {"rest_url", help, [](std::string_view value) {
                return checkUrl(value, {QStringLiteral("http"), QStringLiteral("https")});
            }};
}

std::optional<std::string> checkChoice(
    std::string_view value, std::initializer_list<std::string_view> choices)
{
    if (std::ranges::find(choices, value) != choices.end())
        return std::nullopt;
    std::string allowed;
    for (const auto choice : choices)
        allowed += std::format("{}\"{}\"", allowed.empty() ? "" : " or ", choice);
    return std::format("must be {}, not \"{}\"", allowed, value);
}

std::optional<std::string> checkWholeNumber(
    std::string_view value, std::size_t min, std::size_t max)
{
    std::size_t number = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error == std::errc{} && end == value.data() + value.size() && number >= min
        && number <= max)
        return std::nullopt;
    return std::format("must be a whole number from {} to {}, not \"{}\"", min, max, value);
}

} // namespace tickscope::feeds
