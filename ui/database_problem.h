// What the window says when the database cannot be reached: the server's own message (with any
// password in it masked), and what to check for that kind of failure. Pure, unit-tested; the
// main window's banner shows it.
#pragma once

#include <QString>

namespace tickscope::ui {

struct DatabaseProblem
{
    QString message; // the server's (or libpq's) words
    QString advice; // what to check, for a person
};

DatabaseProblem explainDatabaseProblem(const QString &message, const QString &endpoint);

} // namespace tickscope::ui
