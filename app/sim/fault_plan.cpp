#include "app/sim/fault_plan.h"

#include <QRegularExpression>
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace tickscope::sim {

namespace {

using Kind = Fault::Kind;

constexpr std::array kKinds{
    std::pair{Kind::Drop, "drop"},
    std::pair{Kind::SkipTrades, "skip-trades"},
    std::pair{Kind::SkipDepth, "skip-depth"},
    std::pair{Kind::Malformed, "malformed"},
    std::pair{Kind::Stall, "stall"},
    std::pair{Kind::Shutdown, "shutdown"},
    std::pair{Kind::BadChecksum, "bad-checksum"},
    std::pair{Kind::CutFrame, "cut-frame"},
    std::pair{Kind::Throttle, "throttle"},
    std::pair{Kind::Ban, "ban"},
};

// Far enough for any run, small enough that milliseconds never overflow.
constexpr double kMaxSeconds = 366.0 * 24 * 3600;
constexpr std::int64_t kMaxSkipped = 1'000'000'000;

// Plain decimal seconds: "5", "2.5", "0.125"; no sign, exponent or spaces.
std::expected<std::chrono::milliseconds, QString> parseSeconds(QStringView text, QStringView what)
{
    static const QRegularExpression decimal{QStringLiteral(R"(^\d+(\.\d+)?$)")};
    if (text.isEmpty())
        return std::unexpected(QStringLiteral("missing %1").arg(what));
    if (text.startsWith(u'-'))
        return std::unexpected(QStringLiteral("%1 %2 is negative").arg(what, text));
    if (!decimal.matchView(text).hasMatch())
        return std::unexpected(
            QStringLiteral("%1 '%2' is not a number of seconds").arg(what, text));
    const double seconds = text.toDouble();
    if (seconds > kMaxSeconds)
        return std::unexpected(QStringLiteral("%1 %2 s is too far away").arg(what, text));
    return std::chrono::milliseconds{std::llround(seconds * 1000.0)};
}

std::expected<std::int64_t, QString> parseCount(QStringView text)
{
    if (text.isEmpty())
        return std::unexpected(QStringLiteral("missing the number of ids to skip"));
    bool ok = false;
    const qlonglong count = text.toLongLong(&ok);
    if (!ok || count < 1 || count > kMaxSkipped)
        return std::unexpected(
            QStringLiteral("the number of ids to skip must be a whole number from 1 to %1, not "
                           "'%2'")
                .arg(kMaxSkipped)
                .arg(text));
    return count;
}

std::expected<std::string, QString> parseSymbol(QStringView text)
{
    static const QRegularExpression symbol{QStringLiteral(R"(^[A-Za-z0-9]+([-/][A-Za-z0-9]+)?$)")};
    if (text.size() > 32 || !symbol.matchView(text).hasMatch())
        return std::unexpected(QStringLiteral("'%1' is not a symbol (letters and digits, like "
                                              "BTCUSDT or BTC-USDT)")
                .arg(text));
    return text.toString().toUpper().toStdString();
}

std::expected<Fault, QString> parseEntry(QStringView entry)
{
    const qsizetype atSign = entry.indexOf(u'@');
    if (atSign < 0)
        return std::unexpected(QStringLiteral("expected kind@seconds"));
    const QStringView name = entry.left(atSign);
    const auto known = std::ranges::find_if(
        kKinds, [&](const auto &kind) { return name == QLatin1StringView(kind.second); });
    if (known == kKinds.end())
        return std::unexpected(
            QStringLiteral("unknown kind '%1'; expected drop, skip-trades, skip-depth, "
                           "malformed, stall, shutdown, bad-checksum, cut-frame, throttle or "
                           "ban")
                .arg(name));

    Fault fault;
    fault.kind = known->first;
    const QList<QStringView> parts = entry.mid(atSign + 1).split(u':');
    const auto at = parseSeconds(parts.front(), u"time");
    if (!at)
        return std::unexpected(at.error());
    fault.at = *at;
    const QList<QStringView> arguments = parts.mid(1);

    switch (fault.kind) {
    case Kind::Drop:
    case Kind::Malformed:
    case Kind::Shutdown:
    case Kind::CutFrame:
        if (!arguments.empty())
            return std::unexpected(QStringLiteral("%1 takes no argument").arg(name));
        return fault;
    case Kind::Stall:
    case Kind::Throttle:
    case Kind::Ban: {
        if (arguments.size() != 1)
            return std::unexpected(QStringLiteral("expected %1@T:SECONDS").arg(name));
        const QString what = QStringLiteral("%1 duration").arg(name);
        const auto length = parseSeconds(arguments[0], what);
        if (!length)
            return std::unexpected(length.error());
        if (length->count() == 0)
            return std::unexpected(QStringLiteral("the %1 must be above zero").arg(what));
        fault.length = *length;
        return fault;
    }
    case Kind::BadChecksum:
        if (arguments.size() > 1)
            return std::unexpected(QStringLiteral("expected bad-checksum@T[:SYMBOL]"));
        if (arguments.size() == 1) {
            const auto symbol = parseSymbol(arguments[0]);
            if (!symbol)
                return std::unexpected(symbol.error());
            fault.symbol = *symbol;
        }
        return fault;
    case Kind::SkipTrades:
    case Kind::SkipDepth: {
        if (arguments.empty() || arguments.size() > 2)
            return std::unexpected(QStringLiteral("expected %1@T:N[:SYMBOL]").arg(name));
        const auto count = parseCount(arguments[0]);
        if (!count)
            return std::unexpected(count.error());
        fault.count = *count;
        if (arguments.size() == 2) {
            const auto symbol = parseSymbol(arguments[1]);
            if (!symbol)
                return std::unexpected(symbol.error());
            fault.symbol = *symbol;
        }
        return fault;
    }
    }
    std::unreachable();
}

QString formatSeconds(std::chrono::milliseconds time)
{
    return QString::number(static_cast<double>(time.count()) / 1000.0, 'g', 15);
}

} // namespace

std::expected<FaultPlan, QString> FaultPlan::parse(QStringView spec)
{
    FaultPlan plan;
    if (spec.trimmed().isEmpty())
        return plan;
    for (const QStringView raw : spec.split(u',')) {
        const QStringView entry = raw.trimmed();
        if (entry.isEmpty())
            return std::unexpected(QStringLiteral("fault spec '%1' has an empty entry").arg(spec));
        auto fault = parseEntry(entry);
        if (!fault)
            return std::unexpected(QStringLiteral("fault '%1': %2").arg(entry, fault.error()));
        plan.m_faults.push_back(std::move(*fault));
    }
    std::ranges::stable_sort(plan.m_faults, {}, &Fault::at);
    return plan;
}

QString FaultPlan::kindName(Fault::Kind kind)
{
    const auto known = std::ranges::find(kKinds, kind, &std::pair<Kind, const char *>::first);
    return QLatin1StringView(known->second);
}

QString FaultPlan::toString() const
{
    QStringList entries;
    for (const Fault &fault : m_faults) {
        QString entry = kindName(fault.kind) + u'@' + formatSeconds(fault.at);
        if (fault.length.count() > 0)
            entry += u':' + formatSeconds(fault.length);
        if (fault.kind == Kind::SkipTrades || fault.kind == Kind::SkipDepth)
            entry += u':' + QString::number(fault.count);
        if (!fault.symbol.empty())
            entry += u':' + QString::fromStdString(fault.symbol);
        entries << entry;
    }
    return entries.join(u',');
}

} // namespace tickscope::sim
