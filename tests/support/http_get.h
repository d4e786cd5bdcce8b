// GET on Tickscope's HTTP endpoint on loopback, as the desk's programs call /metrics and the
// query API: it runs the test's event loop until the answer is in or `timeout` has passed.
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QString>
#include <QTest>
#include <chrono>

namespace tickscope::testing {

struct HttpAnswer
{
    int status = 0; // 0: no answer within the timeout
    QByteArray body;
    QByteArray authenticate; // WWW-Authenticate
    QByteArray retryAfter;
};

// `path` with its query; `token` sent as "Authorization: Bearer TOKEN" unless empty.
inline HttpAnswer httpGet(quint16 port, const QString &path, const QByteArray &token = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(30))
{
    QNetworkAccessManager network;
    QNetworkRequest request{QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port) + path)};
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    QNetworkReply *reply = network.get(request);
    QElapsedTimer clock;
    clock.start();
    while (!reply->isFinished() && clock.elapsed() < timeout.count())
        QTest::qWait(5);
    HttpAnswer answer{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
        reply->readAll(), reply->rawHeader("WWW-Authenticate"), reply->rawHeader("Retry-After")};
    reply->deleteLater();
    return answer;
}

} // namespace tickscope::testing
