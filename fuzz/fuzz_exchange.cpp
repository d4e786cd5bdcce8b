// One exchange's frames (TICKSCOPE_FUZZ_ADAPTER), in order, through what live ingestion and
// replays run: the normalizer, the books, the trade sequencer and the gap bookkeeping. An input
// is lines, each a WebSocket text frame, or "@snapshot SYMBOL<TAB>BODY" / "@trades
// SYMBOL<TAB>BODY" for a REST depth snapshot or trade-history page. Beyond not crashing, no
// parser may throw (the normalizer counts it as a parser fault), every row must name a
// configured instrument and every trade a positive size.
#include "app/config/config.h"
#include "app/feeds/adapter_registry.h"
#include "app/ingest/batch_assembler.h"

#include <cstdint>
#include <string_view>
#include <utility>

using namespace tickscope;

namespace {

const feeds::ExchangeAdapter &adapter()
{
    static const auto made = [] {
        feeds::FeedSettings settings{.feed = "fuzz", .adapter = TICKSCOPE_FUZZ_ADAPTER};
        const std::string_view separator = feeds::findAdapter(settings.adapter)->symbolSeparator;
        for (const char *symbol : {"BTC/USDT", "ETH/USDT", "BTC/USD", "ETH/USD"})
            settings.instruments.push_back(
                app::parseSymbol(settings.feed, symbol, separator).value());
        return feeds::createAdapter(settings);
    }();
    return *made;
}

feeds::RawMessage messageOf(std::string_view line, std::int64_t receivedAtNs, std::string &rest)
{
    for (const auto &[prefix, topic] :
        {std::pair{std::string_view{"@snapshot "}, feeds::RestTopic::BookSnapshot},
            std::pair{std::string_view{"@trades "}, feeds::RestTopic::TradeBackfill}}) {
        const auto tab = line.find('\t');
        if (!line.starts_with(prefix) || tab == std::string_view::npos)
            continue;
        rest = feeds::encodeRestPayload(
            line.substr(prefix.size(), tab - prefix.size()), line.substr(tab + 1));
        return {
            feeds::RawKind::RestResponse, static_cast<std::uint32_t>(topic), receivedAtNs, rest};
    }
    return {feeds::RawKind::WebSocketText, 0, receivedAtNs, line};
}

void check(const db::IngestBatch &batch, std::size_t instruments)
{
    for (const auto &trade : batch.trades) {
        if (trade.instrument >= instruments || !trade.size.isPositive())
            __builtin_trap();
    }
    for (const auto &delta : batch.deltas) {
        if (delta.instrument >= instruments)
            __builtin_trap();
    }
    for (const auto &snapshot : batch.snapshots) {
        if (snapshot.instrument >= instruments)
            __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const feeds::ExchangeAdapter &feed = adapter();
    ingest::BatchAssembler assembler{feed};
    db::IngestBatch batch;
    std::string_view input{reinterpret_cast<const char *>(data), size};
    std::int64_t receivedAtNs = 1'700'000'000'000'000'000;
    std::string rest;
    for (std::int64_t line = 0; !input.empty(); ++line) {
        const auto end = input.find('\n');
        const std::string_view frame = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
        receivedAtNs += 1'000'000;
        assembler.absorb(messageOf(frame, receivedAtNs, rest), {0, line}, batch);
    }
    if (assembler.counts().parserFaults != 0)
        __builtin_trap();
    check(batch, feed.instruments().size());
    return 0;
}
