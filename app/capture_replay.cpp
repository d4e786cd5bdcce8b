#include "app/capture_replay.h"

#include "app/feeds/binance/binance_normalizer.h"

#include <QJsonArray>

namespace tickscope::app {

namespace {

QJsonArray level(const std::optional<model::PriceLevel> &best)
{
    if (!best)
        return {};
    return {QString::fromStdString(best->price.toString()),
        QString::fromStdString(best->size.toString())};
}

QJsonArray ranges(const std::vector<ReplaySymbolReport::Range> &list)
{
    QJsonArray out;
    for (const auto &range : list)
        out.append(QJsonObject{{QStringLiteral("line"), qint64(range.line)},
            {QStringLiteral("first_missing"), qint64(range.firstMissing)},
            {QStringLiteral("last_missing"), qint64(range.lastMissing)}});
    return out;
}

} // namespace

CaptureReplay::CaptureReplay(feeds::InstrumentList instruments, feeds::binance::TimeUnit timeUnit,
    db::IngestWriter *writer, std::size_t batchRows)
    : m_instruments(std::move(instruments))
    , m_normalizer(std::make_unique<feeds::binance::BinanceNormalizer>(m_instruments, timeUnit))
    , m_sequencer(m_instruments.size())
    , m_symbols(m_instruments.size())
    , m_writer(writer)
    , m_batchRows(batchRows)
{ }

CaptureReplay::~CaptureReplay() = default;

void CaptureReplay::feed(const feeds::RawMessage &message, std::int64_t line)
{
    ++m_lines;
    m_normalizer->normalize(message, m_output);
    for (const auto &trade : m_output.trades) {
        auto &symbol = m_symbols[trade.instrument];
        const auto outcome = m_sequencer.accept(trade);
        if (outcome.duplicate)
            continue;
        ++symbol.trades;
        if (outcome.gap) {
            symbol.tradeGaps.push_back({line, outcome.gap->firstMissing, outcome.gap->lastMissing});
            m_batch.gaps.push_back(*outcome.gap);
        }
        m_batch.trades.push_back(trade);
    }
    for (const auto &gap : m_output.gaps) {
        m_symbols[gap.instrument].sequenceBreaks.push_back(
            {line, gap.firstMissing, gap.lastMissing});
        m_batch.gaps.push_back(gap);
    }
    // A message concerns one instrument's book at most: the delta's or the snapshot's.
    std::optional<std::uint32_t> bookOf;
    if (!m_output.deltas.empty())
        bookOf = m_output.deltas.front().instrument;
    else if (const auto rest = message.kind == feeds::RawKind::RestResponse
            ? feeds::decodeRestPayload(message.payload)
            : std::nullopt)
        bookOf = m_instruments.find(rest->symbol);
    if (bookOf) {
        m_symbols[*bookOf].bookUpdatesApplied += m_output.bookUpdatesApplied;
        m_symbols[*bookOf].bookUpdatesDropped += m_output.bookUpdatesDropped;
    }
    for (const auto &event : m_output.events) {
        if (event.kind == model::FeedEvent::Kind::Error)
            m_errors.push_back({line, event.detail});
    }
    std::ranges::move(m_output.deltas, std::back_inserter(m_batch.deltas));
    std::ranges::move(m_output.snapshots, std::back_inserter(m_batch.snapshots));
    m_output.clear();
    if (m_batch.rows() >= m_batchRows)
        write();
}

void CaptureReplay::finish()
{
    write();
}

void CaptureReplay::write()
{
    if (m_writer && !m_batch.empty())
        m_rowsWritten += static_cast<std::int64_t>(m_writer->write(m_batch).rowsWritten);
    m_batch = {};
}

QJsonObject CaptureReplay::report() const
{
    QJsonObject symbols;
    for (std::uint32_t i = 0; i < m_symbols.size(); ++i) {
        const auto &symbol = m_symbols[i];
        const auto &book = m_normalizer->book(i).book();
        symbols.insert(QString::fromStdString(m_instruments.at(i).symbol),
            QJsonObject{{QStringLiteral("trades"), qint64(symbol.trades)},
                {QStringLiteral("trade_gaps"), ranges(symbol.tradeGaps)},
                {QStringLiteral("book_updates_applied"), qint64(symbol.bookUpdatesApplied)},
                {QStringLiteral("book_updates_dropped"), qint64(symbol.bookUpdatesDropped)},
                {QStringLiteral("sequence_breaks"), ranges(symbol.sequenceBreaks)},
                {QStringLiteral("best_bid"), level(book.bestBid())},
                {QStringLiteral("best_ask"), level(book.bestAsk())}});
    }
    QJsonArray errors;
    for (const auto &error : m_errors)
        errors.append(QJsonObject{{QStringLiteral("line"), qint64(error.line)},
            {QStringLiteral("error"), QString::fromStdString(error.message)}});
    QJsonObject out{{QStringLiteral("lines"), qint64(m_lines)},
        {QStringLiteral("symbols"), symbols}, {QStringLiteral("parse_errors"), errors}};
    if (m_writer)
        out.insert(QStringLiteral("rows_written"), qint64(m_rowsWritten));
    return out;
}

QString CaptureReplay::textReport() const
{
    QStringList lines{
        QStringLiteral("%1 lines, %2 parse errors").arg(m_lines).arg(m_errors.size())};
    for (const auto &error : m_errors)
        lines << QStringLiteral("  line %1: %2")
                     .arg(error.line)
                     .arg(QString::fromStdString(error.message));
    for (std::uint32_t i = 0; i < m_symbols.size(); ++i) {
        const auto &symbol = m_symbols[i];
        const auto &book = m_normalizer->book(i).book();
        auto show = [](const std::optional<model::PriceLevel> &best) {
            return best
                ? QStringLiteral("%1 x %2").arg(QString::fromStdString(best->price.toString()),
                      QString::fromStdString(best->size.toString()))
                : QStringLiteral("-");
        };
        lines << QStringLiteral(
            "%1: %2 trades, %3 trade-id gaps, book updates %4 applied %5 dropped, "
            "%6 sequence breaks, best bid %7, best ask %8")
                     .arg(QString::fromStdString(m_instruments.at(i).symbol))
                     .arg(symbol.trades)
                     .arg(symbol.tradeGaps.size())
                     .arg(symbol.bookUpdatesApplied)
                     .arg(symbol.bookUpdatesDropped)
                     .arg(symbol.sequenceBreaks.size())
                     .arg(show(book.bestBid()), show(book.bestAsk()));
        for (const auto &gap : symbol.tradeGaps)
            lines << QStringLiteral("  trade ids %1..%2 missing (line %3)")
                         .arg(gap.firstMissing)
                         .arg(gap.lastMissing)
                         .arg(gap.line);
        for (const auto &gap : symbol.sequenceBreaks)
            lines << QStringLiteral("  book update ids %1..%2 missing (line %3)")
                         .arg(gap.firstMissing)
                         .arg(gap.lastMissing)
                         .arg(gap.line);
    }
    if (m_writer)
        lines << QStringLiteral("%1 rows written").arg(m_rowsWritten);
    return lines.join(u'\n');
}

} // namespace tickscope::app
