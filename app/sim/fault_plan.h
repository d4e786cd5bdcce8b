// The faults a simulated exchange injects at fixed times after it starts, so that a feed's
// reconnect, gap and back-fill handling can be exercised on demand. Parsed from the --faults
// spec of `tickscope sim`; ExchangeSimulator carries them out.
#pragma once

#include <QString>
#include <QStringView>
#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace tickscope::sim {

struct Fault
{
    enum class Kind {
        Drop, // abort every client connection
        SkipTrades, // consume `count` trade ids of `symbol` without sending or keeping them
        SkipDepth, // the next depth event of `symbol` starts `count` update ids late
        Malformed, // send one frame that is not valid JSON to every client
        Stall, // send nothing for `stall`; what is generated meanwhile follows afterwards
        Shutdown, // announce a shutdown, close the connections one second later
        BadChecksum, // the next book message of `symbol` carries a wrong checksum
        CutFrame, // send every client the first half of a frame, then reset the connection
        Throttle, // REST answers 429 with Retry-After for `length`
        Ban, // REST answers 418 with Retry-After for `length`
    };

    Kind kind = Kind::Drop;
    std::chrono::milliseconds at{0}; // since the simulator started
    std::int64_t count = 0; // SkipTrades, SkipDepth
    std::chrono::milliseconds length{0}; // Stall, Throttle, Ban
    std::string symbol; // SkipTrades, SkipDepth, BadChecksum; empty = the first simulated symbol

    friend bool operator==(const Fault &, const Fault &) = default;
};

class FaultPlan
{
public:
    // Comma-separated entries `kind@seconds[:arg[:SYMBOL]]`, e.g.
    // "drop@5,skip-trades@2.5:10:ETHUSDT,stall@8:1.5,throttle@9:5". An empty spec is an empty plan.
    // Symbols are upper-cased here and checked against the simulated ones by the simulator.
    static std::expected<FaultPlan, QString> parse(QStringView spec);

    // The faults ordered by time (entries with equal times keep the spec's order).
    const std::vector<Fault> &faults() const { return m_faults; }
    bool empty() const { return m_faults.empty(); }

    // The plan written back as a normalized spec ("drop@5,stall@8:1.5"); parse() accepts it.
    QString toString() const;

    static QString kindName(Fault::Kind kind);

private:
    std::vector<Fault> m_faults;
};

} // namespace tickscope::sim
