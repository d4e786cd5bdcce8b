#include "ui/color_scheme.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QStyleHints>

namespace tickscope::ui {

namespace {

const QString kThemeKey = QStringLiteral("window/theme");

QPalette darkPalette()
{
    QPalette palette;
    const QColor window(37, 39, 43);
    const QColor base(27, 29, 32);
    const QColor text(224, 226, 230);
    const QColor disabled(128, 130, 134);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, window);
    palette.setColor(QPalette::ToolTipBase, window);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, disabled);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, window);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, QColor(255, 96, 96));
    palette.setColor(QPalette::Link, QColor(110, 170, 255));
    palette.setColor(QPalette::Highlight, QColor(53, 111, 196));
    palette.setColor(QPalette::HighlightedText, Qt::white);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabled);
    return palette;
}

bool wantsDark(Theme theme)
{
    if (theme == Theme::FollowDesktop)
        return QGuiApplication::styleHints()->colorScheme() == Qt::ColorScheme::Dark;
    return theme == Theme::Dark;
}

} // namespace

Theme savedTheme()
{
    const int value = QSettings().value(kThemeKey, 0).toInt();
    return value == 1 ? Theme::Light : value == 2 ? Theme::Dark : Theme::FollowDesktop;
}

void saveTheme(Theme theme)
{
    QSettings().setValue(kThemeKey, static_cast<int>(theme));
}

void applyTheme(Theme theme)
{
    // Fusion draws both palettes faithfully on every platform.
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0)
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(
        wantsDark(theme) ? darkPalette() : QApplication::style()->standardPalette());
    static QMetaObject::Connection following;
    QObject::disconnect(following);
    if (theme == Theme::FollowDesktop)
        following = QObject::connect(QGuiApplication::styleHints(),
            &QStyleHints::colorSchemeChanged, qApp, [] { applyTheme(Theme::FollowDesktop); });
}

bool darkPaletteInUse()
{
    return QApplication::palette().color(QPalette::Window).lightness() < 128;
}

} // namespace tickscope::ui
