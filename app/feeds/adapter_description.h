// How an exchange adapter presents itself to the rest of Tickscope: its name (what
// `[exchanges.NAME]` and `--exchange NAME` say), the settings its config section may hold beyond
// `symbols`, and how to make one for a configured feed. Each exchange folder describes its
// adapter; the adapter registry lists them.
#pragma once

#include "app/feeds/exchange_adapter.h"
#include "app/model/instrument.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::feeds {

// One feed as configured: the protocol it speaks, the instruments it carries, the adapter's own
// settings.
struct FeedSettings
{
    // The feed's name: its journal folder, its rows in the audit tables and its instruments'
    // exchange ("binance", or "simulated" for the demo's simulator).
    std::string feed;
    std::string adapter; // the registry name of its protocol: "binance"
    std::vector<model::Instrument> instruments;
    std::map<std::string, std::string, std::less<>> options; // as written; checked on load

    // The option `key` as written, or `fallback` when it is not set.
    std::string option(std::string_view key, std::string_view fallback) const
    {
        const auto found = options.find(key);
        return found == options.end() ? std::string(fallback) : found->second;
    }
};

// Every feed's instruments, in the feeds' order: what the console lists and the ingest counts.
inline std::vector<model::Instrument> instrumentsOf(std::span<const FeedSettings> feeds)
{
    std::vector<model::Instrument> all;
    for (const auto &feed : feeds)
        all.insert(all.end(), feed.instruments.begin(), feed.instruments.end());
    return all;
}

struct AdapterOption
{
    std::string_view key; // as written in the config section: "websocket_url"
    std::string_view help;
    // What is wrong with `value`, or nullopt when it may be used.
    std::function<std::optional<std::string>(std::string_view value)> check;
    // For a setting that decides which frames are data (Binance's trade stream): its values, the
    // default first. A replay of a capture that does not set it takes the one that reads the most
    // of the capture's frames as data.
    std::vector<std::string_view> captureChoices = {};
};

struct AdapterDescription
{
    std::string_view name;
    std::string_view summary; // for --help: "Binance spot: trades and diff-depth books"
    // What the exchange's symbols put between base and quote: "" (BTCUSDT), "-" (BTC-USDT).
    std::string_view symbolSeparator;
    std::vector<AdapterOption> options;
    // Settings whose options passed their checks; the adapter sets its instruments' time
    // precision from them.
    std::function<std::unique_ptr<ExchangeAdapter>(const FeedSettings &settings)> create;

    // What is wrong with setting `key` to `value`: an unknown key, or a value the setting's check
    // refuses (the message then says what the value must be); nullopt when it may be used.
    struct OptionProblem
    {
        bool unknownKey = false;
        std::string message;
    };
    std::optional<OptionProblem> checkOption(std::string_view key, std::string_view value) const;
    // "websocket_url, rest_url, ...", for messages.
    std::string optionKeys() const;
    // The adapter's summary and each setting with its help, for --help texts.
    std::string describe() const;
};

// Checks for the usual option kinds, naming what the value must be.
std::optional<std::string> checkUrl(std::string_view value, std::initializer_list<QString> schemes);
std::optional<std::string> checkChoice(
    std::string_view value, std::initializer_list<std::string_view> choices);
std::optional<std::string> checkWholeNumber(
    std::string_view value, std::size_t min, std::size_t max);

// The `rest_url` setting of an exchange with a REST side: an http or https URL.
AdapterOption restUrlOption(std::string_view help);

} // namespace tickscope::feeds
