// What the simulated exchanges write their frames with: numbers as each exchange writes them
// (`mantissa` x 10^-decimals, shortest or fixed), RFC 3339 times, and a JSON value's text for
// echoing what a client sent. Used by every exchange's simulator.
#pragma once

#include <QJsonValue>
#include <cstdint>
#include <string>

namespace tickscope::sim {

// The shortest exact text, as OKX and Kraken write it: "42219.9", "7", "0.00012".
void appendShortestDecimal(std::string &out, std::int64_t mantissa, int decimals);
// With all `decimals` digits, as Bybit writes them: "16493.50".
void appendFixedDecimal(std::string &out, std::int64_t mantissa, int decimals);

// "2023-09-25T07:48:36.925533Z" (Kraken, Coinbase).
std::string rfc3339(std::int64_t timeUs);

// A JSON value as text, e.g. an id to echo: 5, "abc", null.
std::string jsonText(const QJsonValue &value);

} // namespace tickscope::sim
