// How a page asks before a destructive or long action: a yes/no question, a message box by
// default; tests give pages one that answers by itself.
#pragma once

#include <QMessageBox>
#include <QString>
#include <QWidget>
#include <functional>

namespace tickscope::ui {

using Confirmation = std::function<bool(QWidget *parent, const QString &question)>;

inline bool askYesNo(QWidget *parent, const QString &question)
{
    return QMessageBox::question(parent, QStringLiteral("Tickscope"), question) == QMessageBox::Yes;
}

} // namespace tickscope::ui
