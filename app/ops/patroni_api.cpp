#include "app/ops/patroni_api.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrl>

namespace tickscope::ops {

const PatroniMember *PatroniClusterView::leader() const
{
    const auto found = std::ranges::find_if(members, &PatroniMember::leads);
    return found == members.end() ? nullptr : &*found;
}

std::expected<PatroniClusterView, QString> parseClusterView(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return std::unexpected(
            QStringLiteral("Patroni's /cluster answer is no JSON: %1").arg(error.errorString()));
    const QJsonObject top = document.object();
    if (!top.value(u"members").isArray())
        return std::unexpected(QStringLiteral("Patroni's /cluster answer has no members list"));
    PatroniClusterView view;
    view.paused = top.value(u"pause").toBool();
    for (const QJsonValue &each : top.value(u"members").toArray()) {
        const QJsonObject object = each.toObject();
        PatroniMember member;
        member.name = object.value(u"name").toString();
        member.role = object.value(u"role").toString();
        if (member.name.isEmpty() || member.role.isEmpty())
            return std::unexpected(
                QStringLiteral("Patroni's /cluster answer has a member without name or role"));
        member.state = object.value(u"state").toString();
        member.host = object.value(u"host").toString();
        member.port = object.value(u"port").toInt();
        member.apiUrl = object.value(u"api_url").toString();
        if (object.value(u"timeline").isDouble())
            member.timeline = object.value(u"timeline").toInt();
        // "unknown" when Patroni has no position for the member.
        if (object.value(u"lag").isDouble())
            member.lagBytes = static_cast<qint64>(object.value(u"lag").toDouble());
        member.pendingRestart = object.value(u"pending_restart").toBool();
        view.members.push_back(std::move(member));
    }
    return view;
}

std::expected<PatroniAnswer, QString> patroniRequest(const QByteArray &method, const QString &url,
    const QByteArray &body, const QByteArray &credentials, std::chrono::milliseconds timeout)
{
    QNetworkAccessManager network;
    QNetworkRequest request{QUrl(url)};
    request.setTransferTimeout(static_cast<int>(timeout.count()));
    if (!body.isEmpty())
        request.setHeader(
            QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!credentials.isEmpty())
        request.setRawHeader("Authorization", "Basic " + credentials.toBase64());
    QNetworkReply *reply = network.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return std::unexpected(QStringLiteral("Patroni's API at %1 did not answer: %2")
                .arg(url, reply->errorString()));
    return PatroniAnswer{status, reply->readAll()};
}

} // namespace tickscope::ops
