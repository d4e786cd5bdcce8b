#include "widgets/span_timeline.h"

#include <QDateTime>
#include <QHelpEvent>
#include <QPainter>
#include <QTimeZone>
#include <QToolTip>
#include <algorithm>

namespace tickscope::widgets {

namespace {

constexpr int kBarHeight = 18;
constexpr double kMinimumSpanWidth = 3; // a one-second gap in a week must still show

QString utc(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC)
               .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
        + QStringLiteral(" UTC");
}

} // namespace

SpanTimeline::SpanTimeline(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void SpanTimeline::clear(const QString &emptyText)
{
    m_fromMs = m_toMs = 0;
    m_spans.clear();
    m_emptyText = emptyText;
    update();
}

void SpanTimeline::setRange(std::int64_t fromMs, std::int64_t toMs, std::vector<Span> spans)
{
    m_fromMs = fromMs;
    m_toMs = std::max(toMs, fromMs);
    m_spans = std::move(spans);
    m_emptyText.clear();
    update();
}

QSize SpanTimeline::sizeHint() const
{
    return {400, kBarHeight + fontMetrics().height() + 8};
}

QRectF SpanTimeline::barRect() const
{
    return QRectF(1, 1, width() - 2, kBarHeight);
}

QRectF SpanTimeline::spanRect(const Span &span) const
{
    const QRectF bar = barRect();
    const double length = static_cast<double>(std::max<std::int64_t>(m_toMs - m_fromMs, 1));
    const auto x = [&](std::int64_t ms) {
        return bar.left()
            + bar.width() * static_cast<double>(std::clamp(ms, m_fromMs, m_toMs) - m_fromMs)
            / length;
    };
    const double left = x(span.fromMs);
    return QRectF(left, bar.top(), std::max(x(span.toMs) - left, kMinimumSpanWidth), bar.height());
}

void SpanTimeline::paintEvent(QPaintEvent *)
{
    QPainter painter{this};
    const QRectF bar = barRect();
    painter.setPen(palette().color(QPalette::Mid));
    if (m_toMs <= m_fromMs) {
        painter.setBrush(palette().color(QPalette::AlternateBase));
        painter.drawRect(bar);
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(bar, Qt::AlignCenter, m_emptyText);
        return;
    }
    painter.setBrush(QColor(0x66, 0xbb, 0x6a));
    painter.drawRect(bar);
    painter.setPen(Qt::NoPen);
    painter.setBrush(QColor(0xef, 0x6c, 0x00));
    for (const Span &span : m_spans)
        painter.drawRect(spanRect(span));
    painter.setPen(palette().color(QPalette::WindowText));
    const QRectF labels(bar.left(), bar.bottom() + 2, bar.width(), fontMetrics().height() + 4);
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignTop, utc(m_fromMs));
    painter.drawText(labels, Qt::AlignRight | Qt::AlignTop, utc(m_toMs));
}

bool SpanTimeline::event(QEvent *event)
{
    if (event->type() != QEvent::ToolTip)
        return QWidget::event(event);
    const auto *help = static_cast<QHelpEvent *>(event);
    const auto hit = std::ranges::find_if(
        m_spans, [&](const Span &span) { return spanRect(span).contains(help->pos()); });
    if (hit != m_spans.end())
        QToolTip::showText(help->globalPos(), hit->tip, this);
    else
        QToolTip::hideText();
    return true;
}

} // namespace tickscope::widgets
