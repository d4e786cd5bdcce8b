// Kraken's checksum guide book as frames of WebSocket v2 (../shared/feeds/PROTOCOLS.md 3.5): a
// snapshot whose checksum is 3310070434 at BTC/USD's precisions (price 1, quantity 8), its numbers
// written as Kraken does (no trailing zeros), and an update checked against it.
#pragma once

#include <cstdint>
#include <format>
#include <string>

namespace tickscope::testing {

inline const std::string kKrakenGuideSnapshot
    = R"({"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[)"
      R"({"price":45283.5,"qty":0.1},{"price":45283.4,"qty":1.54582015},)"
      R"({"price":45282.1,"qty":0.1},{"price":45281,"qty":0.1},)"
      R"({"price":45280.3,"qty":1.54592586},{"price":45279,"qty":0.0799},)"
      R"({"price":45277.6,"qty":0.03310103},{"price":45277.5,"qty":0.3},)"
      R"({"price":45277.3,"qty":1.54602737},{"price":45276.6,"qty":0.15445238}],"asks":[)"
      R"({"price":45285.2,"qty":0.001},{"price":45286.4,"qty":1.54571953},)"
      R"({"price":45286.6,"qty":1.54571109},{"price":45289.6,"qty":1.54560911},)"
      R"({"price":45290.2,"qty":0.1589066},{"price":45291.8,"qty":1.54553491},)"
      R"({"price":45294.7,"qty":0.04454749},{"price":45296.1,"qty":0.3538},)"
      R"({"price":45297.5,"qty":0.09945542},{"price":45299.5,"qty":0.18772827}],)"
      R"("checksum":3310070434,"timestamp":"2023-10-06T17:35:55.440295Z"}]})";

// A new best ask (45299.5 falls out of the 10-level window without a deletion) and the best
// bid's size changed; the checksum (default: the right one) computed apart from Tickscope, with
// zlib.
inline std::string krakenGuideUpdate(std::uint32_t checksum = 4154301202)
{
    return std::format(R"({{"channel":"book","type":"update","data":[{{"symbol":"BTC/USD",)"
                       R"("bids":[{{"price":45283.5,"qty":0.5}}],"asks":[{{"price":45285.0,)"
                       R"("qty":0.25}}],"checksum":{},"timestamp":"2023-10-06T17:35:56.1Z"}}]}})",
        checksum);
}

} // namespace tickscope::testing
