// A time axis drawn as one bar: the covered range in green, with spans laid over it in the
// warning colour (data gaps inside what a restore reaches), and the range's ends written under
// it. The Backups page shows its recoverability window with it; any page with spans on a time
// range (a symbol's gaps) can.
#pragma once

#include <QString>
#include <QWidget>
#include <cstdint>
#include <vector>

namespace tickscope::widgets {

class SpanTimeline : public QWidget
{
    Q_OBJECT
public:
    struct Span
    {
        std::int64_t fromMs = 0;
        std::int64_t toMs = 0;
        QString tip;
    };

    explicit SpanTimeline(QWidget *parent = nullptr);

    // Nothing covered: an empty bar with `emptyText` on it.
    void clear(const QString &emptyText);
    void setRange(std::int64_t fromMs, std::int64_t toMs, std::vector<Span> spans);

    const std::vector<Span> &spans() const { return m_spans; }
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override; // tool tips of the spans

private:
    QRectF barRect() const;
    QRectF spanRect(const Span &span) const;

    std::int64_t m_fromMs = 0;
    std::int64_t m_toMs = 0;
    std::vector<Span> m_spans;
    QString m_emptyText;
};

} // namespace tickscope::widgets
