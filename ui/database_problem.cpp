#include "ui/database_problem.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace tickscope::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("DatabaseProblem", text);
}

} // namespace

DatabaseProblem explainDatabaseProblem(const QString &message, const QString &endpoint)
{
    static const QRegularExpression kPassword(QStringLiteral("(password\\s*=\\s*)('[^']*'|\\S+)"),
        QRegularExpression::CaseInsensitiveOption);
    DatabaseProblem problem;
    problem.message = message;
    problem.message.replace(kPassword, QStringLiteral("\\1***"));
    const QString text = message.toLower();
    const QString where = endpoint.isEmpty() ? tr("the configured server") : endpoint;
    if (text.contains(QLatin1String("password authentication failed"))
        || text.contains(QLatin1String("no password supplied")))
        problem.advice = tr("The server refused the password of %1. Check the password in "
                            "~/.pgpass, PGPASSWORD or the [database] section of the config file.")
                             .arg(where);
    else if (text.contains(QLatin1String("pg_hba.conf")))
        problem.advice = tr("The server does not let this client in. Add a line for this host and "
                            "role to the server's pg_hba.conf and reload it.");
    else if (text.contains(QLatin1String("connection refused")))
        problem.advice = tr("Nothing listens at %1. Check that the server runs and that host and "
                            "port are right (listen_addresses, port in postgresql.conf).")
                             .arg(where);
    else if (text.contains(QLatin1String("does not exist")))
        problem.advice = tr("The database or role named for %1 does not exist on the server. Check "
                            "the names, or create them.")
                             .arg(where);
    else if (text.contains(QLatin1String("timeout")) || text.contains(QLatin1String("timed out"))
        || text.contains(QLatin1String("could not translate host name")))
        problem.advice = tr("The server at %1 cannot be reached over the network. Check the host "
                            "name, the network and any firewall between.")
                             .arg(where);
    else if (text.contains(QLatin1String("too many connections")))
        problem.advice = tr("The server has no connection slot left. Check max_connections and "
                            "what else is connected.");
    else
        problem.advice = tr("Check that the server at %1 runs and accepts this role, and the "
                            "log for details.")
                             .arg(where);
    return problem;
}

} // namespace tickscope::ui
