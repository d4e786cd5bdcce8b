#include "app/ingest/capture_replay.h"

#include <QJsonArray>

namespace tickscope::ingest {

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

QJsonArray windows(const std::vector<ReplaySymbolReport::Window> &list)
{
    QJsonArray out;
    for (const auto &window : list)
        out.append(QJsonObject{{QStringLiteral("line"), qint64(window.line)},
            {QStringLiteral("kind"), QString::fromUtf8(model::kindName(window.gap.kind))},
            {QStringLiteral("seconds"),
                static_cast<double>(window.gap.afterTimeNs - window.gap.beforeTimeNs) / 1e9},
            {QStringLiteral("cause"), QString::fromStdString(window.gap.cause)}});
    return out;
}

std::optional<model::PriceLevel> bestOf(const feeds::LocalBook *book, bool bid)
{
    if (!book)
        return std::nullopt;
    return bid ? book->bestBid() : book->bestAsk();
}

} // namespace

CaptureReplay::CaptureReplay(
    const feeds::ExchangeAdapter &adapter, db::IngestWriter *writer, std::size_t batchRows)
    : m_adapter(adapter)
    , m_assembler(adapter)
    , m_symbols(adapter.instruments().size())
    , m_writer(writer)
    , m_batchRows(batchRows)
{
    if (m_writer)
        m_writer->setStaging(true);
}

void CaptureReplay::feed(
    const feeds::RawMessage &message, std::int64_t line, model::JournalPosition position)
{
    ++m_lines;
    const std::size_t tradesBefore = m_batch.trades.size();
    const std::size_t gapsBefore = m_batch.gaps.size();
    const std::size_t eventsBefore = m_batch.feedEvents.size();
    const auto book = m_assembler.absorb(message, position, m_batch);
    for (std::size_t i = tradesBefore; i < m_batch.trades.size(); ++i)
        ++m_symbols[m_batch.trades[i].instrument].trades;
    for (std::size_t i = gapsBefore; i < m_batch.gaps.size(); ++i) {
        const model::Gap &gap = m_batch.gaps[i];
        auto &symbol = m_symbols[gap.instrument];
        if (gap.kind == model::Gap::Kind::TradeId)
            symbol.tradeGaps.push_back({line, gap.firstMissing, gap.lastMissing});
        else if (gap.kind == model::Gap::Kind::BookSequence)
            symbol.sequenceBreaks.push_back({line, gap.firstMissing, gap.lastMissing});
        else
            symbol.windowGaps.push_back({line, gap});
    }
    if (book) {
        m_symbols[book->instrument].bookUpdatesApplied += book->updatesApplied;
        m_symbols[book->instrument].bookUpdatesDropped += book->updatesDropped;
        m_symbols[book->instrument].bookChecksumsChecked += book->checksumChecks;
    }
    for (std::size_t i = eventsBefore; i < m_batch.feedEvents.size(); ++i) {
        if (m_batch.feedEvents[i].kind == model::FeedEvent::Kind::Error)
            m_errors.push_back({line, m_batch.feedEvents[i].detail});
    }
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
        const feeds::LocalBook *book = m_assembler.normalizer().book(i);
        symbols.insert(QString::fromStdString(m_adapter.instruments().at(i).symbol),
            QJsonObject{{QStringLiteral("trades"), qint64(symbol.trades)},
                {QStringLiteral("trade_gaps"), ranges(symbol.tradeGaps)},
                {QStringLiteral("book_updates_applied"), qint64(symbol.bookUpdatesApplied)},
                {QStringLiteral("book_updates_dropped"), qint64(symbol.bookUpdatesDropped)},
                {QStringLiteral("book_checksums_checked"), qint64(symbol.bookChecksumsChecked)},
                {QStringLiteral("book_updates_waiting_for_snapshot"),
                    qint64(m_assembler.normalizer().bookUpdatesWaiting(i))},
                {QStringLiteral("sequence_breaks"), ranges(symbol.sequenceBreaks)},
                {QStringLiteral("window_gaps"), windows(symbol.windowGaps)},
                {QStringLiteral("best_bid"), level(bestOf(book, true))},
                {QStringLiteral("best_ask"), level(bestOf(book, false))}});
    }
    QJsonArray errors;
    for (const auto &error : m_errors)
        errors.append(QJsonObject{{QStringLiteral("line"), qint64(error.line)},
            {QStringLiteral("error"), QString::fromStdString(error.message)}});
    QJsonObject ignored;
    for (const auto &[channel, frames] : m_assembler.counts().ignoredFrames)
        ignored.insert(QString::fromStdString(channel), qint64(frames));
    QJsonObject out{{QStringLiteral("lines"), qint64(m_lines)},
        {QStringLiteral("symbols"), symbols}, {QStringLiteral("parse_errors"), errors},
        {QStringLiteral("ignored"), ignored}};
    if (m_writer)
        out.insert(QStringLiteral("rows_written"), qint64(m_rowsWritten));
    return out;
}

QString CaptureReplay::textReport() const
{
    QStringList lines{
        QStringLiteral("%1 lines, %2 parse errors").arg(m_lines).arg(m_errors.size())};
    QStringList ignored;
    for (const auto &[channel, frames] : m_assembler.counts().ignoredFrames)
        ignored << QStringLiteral("%1 %2").arg(frames).arg(QString::fromStdString(channel));
    if (!ignored.isEmpty())
        lines << QStringLiteral("ignored (channels not stored): ") + ignored.join(u", ");
    for (const auto &error : m_errors)
        lines << QStringLiteral("  line %1: %2")
                     .arg(error.line)
                     .arg(QString::fromStdString(error.message));
    for (std::uint32_t i = 0; i < m_symbols.size(); ++i) {
        const auto &symbol = m_symbols[i];
        const feeds::LocalBook *book = m_assembler.normalizer().book(i);
        auto show = [](const std::optional<model::PriceLevel> &best) {
            return best
                ? QStringLiteral("%1 x %2").arg(QString::fromStdString(best->price.toString()),
                      QString::fromStdString(best->size.toString()))
                : QStringLiteral("-");
        };
        lines << QStringLiteral(
            "%1: %2 trades, %3 trade-id gaps, book updates %4 applied %5 dropped, "
            "%6 sequence breaks, %9 waiting for a snapshot, best bid %7, best ask %8")
                     .arg(QString::fromStdString(m_adapter.instruments().at(i).symbol))
                     .arg(symbol.trades)
                     .arg(symbol.tradeGaps.size())
                     .arg(symbol.bookUpdatesApplied)
                     .arg(symbol.bookUpdatesDropped)
                     .arg(symbol.sequenceBreaks.size())
                     .arg(show(bestOf(book, true)), show(bestOf(book, false)))
                     .arg(m_assembler.normalizer().bookUpdatesWaiting(i));
        // Said plainly: a book the exchange checksums that was never checked.
        if (m_adapter.traits().bookIntegrity == feeds::ExchangeTraits::BookIntegrity::Checksum
            && symbol.bookUpdatesApplied > 0)
            lines.back() += symbol.bookChecksumsChecked > 0
                ? QStringLiteral(", %1 book checksums checked").arg(symbol.bookChecksumsChecked)
                : QStringLiteral(", book checksums NOT checked (the input does not say how "
                                 "to compute them)");
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
        for (const auto &window : symbol.windowGaps)
            lines << QStringLiteral("  %1 (line %2)")
                         .arg(QString::fromStdString(model::describe(window.gap)))
                         .arg(window.line);
    }
    if (m_writer)
        lines << QStringLiteral("%1 rows written").arg(m_rowsWritten);
    return lines.join(u'\n');
}

} // namespace tickscope::ingest
