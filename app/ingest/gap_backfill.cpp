#include "app/ingest/gap_backfill.h"

#include "app/ingest/batch_assembler.h"
#include "app/ingest/rest_client.h"
#include "app/model/wall_clock.h"
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"

#include <QEventLoop>
#include <deque>
#include <format>

namespace tickscope::ingest {

namespace {

// A page is asked for three times before its gap is left open.
constexpr int kAttemptsPerPage = 3;
// The trades of a long gap are stored as they come, this many at a time, not held to its end.
constexpr std::size_t kTradesPerWrite = 50'000;

struct PageRequest
{
    std::uint32_t instrument = 0;
    std::int64_t cursor = 0;
    int limit = 0;
};

} // namespace

std::vector<GapBackfill> backfillOpenGaps(const feeds::ExchangeAdapter &adapter,
    pqxx::connection &connection, const GapSelection &selection,
    const std::function<void(const GapBackfill &)> &settled)
{
    const auto ids = db::registerInstruments(connection, adapter.instruments().all());
    db::IngestWriter writer{connection, adapter.feedName(), ids};
    std::vector<model::Gap> gaps;
    for (const model::Gap &gap : writer.loadCheckpoint().openTradeGaps) {
        if (selection.symbol
            && adapter.instruments().at(gap.instrument).symbol != *selection.symbol)
            continue;
        if (gap.afterTimeNs != 0 && gap.afterTimeNs < selection.sinceNs)
            continue;
        gaps.push_back(gap);
    }
    std::vector<GapBackfill> results;
    if (adapter.traits().backfill == feeds::ExchangeTraits::Backfill::None) {
        for (const model::Gap &gap : gaps) {
            results.push_back({.gap = gap,
                .state = "open",
                .detail = "the exchange keeps no trade history to fetch it from"});
            settled(results.back());
        }
        return results;
    }
    RestClient rest{
        {.weightPerMinute = adapter.traits().restWeights.perMinute, .attempts = kAttemptsPerPage}};
    for (const model::Gap &gap : gaps) {
        // An assembler of its own per gap: a page that cannot be had ends only this gap.
        std::deque<PageRequest> requests;
        BatchAssembler assembler{
            adapter, [&](std::uint32_t instrument, std::int64_t cursor, int limit) {
                requests.push_back({instrument, cursor, limit});
            }};
        db::IngestBatch batch;
        std::int64_t tradesStored = 0;
        std::string lastEvent; // the latest answer that could not be used
        // No journal: these rows come straight from the exchange, and a rerun fetches them again.
        const auto store = [&] {
            if (!batch.feedEvents.empty())
                lastEvent = batch.feedEvents.back().detail;
            batch.records.clear();
            tradesStored += static_cast<std::int64_t>(writer.write(batch).rowsWritten);
        };
        std::optional<QString> failure;
        std::int64_t pages = 0;
        bool asking = false; // a page is under way: the loop runs until it is answered
        QEventLoop loop;
        std::function<void()> next = [&] {
            asking = !requests.empty();
            if (!asking) {
                loop.quit();
                return;
            }
            const PageRequest page = requests.front();
            requests.pop_front();
            const std::string &symbol = adapter.instruments().at(page.instrument).symbol;
            rest.get(
                adapter.backfillUrl(page.instrument, page.cursor, page.limit),
                adapter.traits().restWeights.backfill,
                QStringLiteral("%1 of %2")
                    .arg(QString::fromStdString(
                             feeds::describeBackfillPage(adapter.traits().backfill, page.cursor)),
                        QString::fromStdString(symbol)),
                [&, symbol](const QByteArray &body) {
                    const std::string payload = feeds::encodeRestPayload(symbol,
                        std::string_view{body.constData(), static_cast<std::size_t>(body.size())});
                    assembler.absorb(
                        {feeds::RawKind::RestResponse,
                            static_cast<std::uint32_t>(feeds::RestTopic::TradeBackfill),
                            model::wallClockNs(), payload},
                        {0, pages++}, batch);
                    if (batch.trades.size() >= kTradesPerWrite && batch.resolvedGaps.empty()) {
                        store();
                        batch = {};
                    }
                    next();
                },
                [&](const QString &error) {
                    failure = error;
                    asking = false;
                    loop.quit();
                });
        };
        db::IngestCheckpoint only;
        only.openTradeGaps = {gap};
        assembler.resume(only);
        next();
        if (asking)
            loop.exec();

        store();
        GapBackfill result{.gap = gap, .state = "open", .tradesStored = tradesStored};
        if (!batch.resolvedGaps.empty()) {
            const db::ResolvedGap &resolved = batch.resolvedGaps.front();
            result.state = resolved.backfilled ? "backfilled" : "unrecoverable";
            result.detail = resolved.note;
        } else if (failure) {
            result.detail = failure->toStdString();
        } else if (!lastEvent.empty()) {
            result.detail = lastEvent;
        } else if (pages == 0) {
            result.detail = "the time before the gap is not known, and this exchange's history "
                            "is searched by time";
        }
        settled(result);
        results.push_back(std::move(result));
    }
    return results;
}

} // namespace tickscope::ingest
