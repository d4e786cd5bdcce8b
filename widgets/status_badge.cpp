#include "widgets/status_badge.h"

#include <QPainter>

namespace tickscope::widgets {

namespace {

QColor colorOf(StatusBadge::Level level)
{
    switch (level) {
    case StatusBadge::Level::Ok:
        return QColor(0x2e, 0xa0, 0x43);
    case StatusBadge::Level::Busy:
        return QColor(0x1f, 0x6f, 0xeb);
    case StatusBadge::Level::Warning:
        return QColor(0xd2, 0x99, 0x22);
    case StatusBadge::Level::Error:
        return QColor(0xcf, 0x22, 0x2e);
    case StatusBadge::Level::Unknown:
        break;
    }
    return QColor(0x8c, 0x95, 0x9f);
}

} // namespace

StatusBadge::StatusBadge(QWidget *parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void StatusBadge::setStatus(Level level, const QString &text)
{
    if (level == m_level && text == m_text)
        return;
    m_level = level;
    m_text = text;
    setToolTip(text);
    updateGeometry();
    update();
}

QSize StatusBadge::sizeHint() const
{
    const QFontMetrics metrics = fontMetrics();
    return {metrics.height() + 6 + metrics.horizontalAdvance(m_text), metrics.height() + 4};
}

void StatusBadge::paintEvent(QPaintEvent *)
{
    QPainter painter{this};
    painter.setRenderHint(QPainter::Antialiasing);
    const int diameter = fontMetrics().height() * 2 / 3;
    const QRect dot{2, (height() - diameter) / 2, diameter, diameter};
    painter.setPen(Qt::NoPen);
    painter.setBrush(colorOf(m_level));
    painter.drawEllipse(dot);
    painter.setPen(palette().color(QPalette::WindowText));
    const QRect textArea = rect().adjusted(dot.right() + 6, 0, 0, 0);
    painter.drawText(textArea, Qt::AlignVCenter | Qt::AlignLeft,
        fontMetrics().elidedText(m_text, Qt::ElideRight, textArea.width()));
}

} // namespace tickscope::widgets
