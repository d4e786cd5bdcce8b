// What a live chart's bar holds of its trades (the chart keeps no sides, so no buy and sell
// volumes), as text, to compare a chart's bars with analytics::buildBars of the same trades in
// one QCOMPARE that names the first bar that differs. Used by the chart tests.
#pragma once

#include "app/analytics/bar_builder.h"

#include <QStringList>
#include <vector>

namespace tickscope::testing {

inline QStringList chartedParts(const std::vector<analytics::Bar> &bars)
{
    QStringList parts;
    for (const auto &bar : bars)
        parts << QStringLiteral("%1: o %2 h %3 l %4 c %5 v %6 n %7, %8 trades")
                     .arg(bar.openTimeNs)
                     .arg(QString::fromStdString(bar.open.toString()),
                         QString::fromStdString(bar.high.toString()),
                         QString::fromStdString(bar.low.toString()),
                         QString::fromStdString(bar.close.toString()))
                     .arg(bar.volume.toDouble(), 0, 'g', 17)
                     .arg(bar.notional.toDouble(), 0, 'g', 17)
                     .arg(bar.trades);
    return parts;
}

} // namespace tickscope::testing
