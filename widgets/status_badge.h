// A coloured dot with a short text: the state of a connection, a feed or a job at a glance.
// Used in the main window's status bar and on the pages.
#pragma once

#include <QWidget>

namespace tickscope::widgets {

class StatusBadge : public QWidget
{
    Q_OBJECT
public:
    enum class Level { Unknown, Busy, Ok, Warning, Error };
    Q_ENUM(Level)

    explicit StatusBadge(QWidget *parent = nullptr);

    void setStatus(Level level, const QString &text);
    Level level() const { return m_level; }
    QString text() const { return m_text; }

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    Level m_level = Level::Unknown;
    QString m_text;
};

} // namespace tickscope::widgets
