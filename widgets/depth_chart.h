// An order book's depth at a glance: the size resting at or better than each price, bids
// stepping down to the left of the spread, asks stepping up to the right, as the desk's venues
// draw it. Painted with QPainter from the levels it is given (best first); the Book page shows
// it beside the ladder of the same levels.
#pragma once

#include "app/model/book.h"

#include <QWidget>
#include <vector>

namespace tickscope::widgets {

class DepthChart : public QWidget
{
    Q_OBJECT
public:
    explicit DepthChart(QWidget *parent = nullptr);

    void setLevels(std::vector<model::PriceLevel> bids, std::vector<model::PriceLevel> asks);
    // The size of all levels of a side given; what the tallest step reaches.
    double bidDepth() const { return m_bidDepth; }
    double askDepth() const { return m_askDepth; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    std::vector<model::PriceLevel> m_bids;
    std::vector<model::PriceLevel> m_asks;
    double m_bidDepth = 0;
    double m_askDepth = 0;
};

} // namespace tickscope::widgets
