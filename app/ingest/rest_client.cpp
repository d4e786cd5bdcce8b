#include "app/ingest/rest_client.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace tickscope::ingest {

namespace {

constexpr std::chrono::seconds kTimeout{10}; // a request not answered by then has failed

} // namespace

RestClient::RestClient(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_network(new QNetworkAccessManager(this))
    // Four fifths of the published limit: the desk's other programs share the address.
    , m_pacer(options.weightPerMinute * 4 / 5, std::chrono::minutes(1))
    , m_backoff(options.retryBase, options.retryCap)
{ }

void RestClient::get(const QUrl &url, int weight, const QString &what,
    std::function<void(const QByteArray &body)> answered,
    std::function<void(const QString &error)> failed)
{
    schedule({url, weight, what, std::move(answered), std::move(failed)});
}

void RestClient::stop()
{
    m_stopped = true;
    for (QNetworkReply *reply : m_network->findChildren<QNetworkReply *>())
        reply->abort();
}

void RestClient::schedule(Request request)
{
    if (m_stopped)
        return;
    const auto wait = m_pacer.reserve(request.weight, feeds::RequestPacer::Clock::now());
    if (wait.count() <= 0) {
        send(std::move(request));
        return;
    }
    QTimer::singleShot(wait, this, [this, request = std::move(request)]() mutable {
        if (!m_stopped)
            send(std::move(request));
    });
}

void RestClient::send(Request request)
{
    QNetworkRequest networkRequest{request.url};
    networkRequest.setTransferTimeout(kTimeout);
    QNetworkReply *reply = m_network->get(networkRequest);
    connect(reply, &QNetworkReply::downloadProgress, this, [this, reply](qint64 received) {
        if (received > m_options.maxBytes) {
            reply->setProperty("tooLarge", true);
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this,
        [this, reply, request = std::move(request)]() mutable {
            reply->deleteLater();
            if (m_stopped)
                return;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray body = reply->readAll();
            // 429: too many requests; 418: the address is banned for a while. Both say how long.
            if (status == 429 || status == 418) {
                bool ok = false;
                const int seconds = reply->rawHeader("Retry-After").toInt(&ok);
                const auto pause = std::chrono::duration_cast<std::chrono::seconds>(
                    m_pacer.backOff(std::chrono::seconds(ok && seconds > 0 ? seconds : 60),
                        feeds::RequestPacer::Clock::now()));
                emit problem(QStringLiteral("%1: the exchange limits this address (HTTP %2); no "
                                            "REST request for %3 s")
                        .arg(request.what)
                        .arg(status)
                        .arg(pause.count()));
                schedule(std::move(request));
                return;
            }
            if (reply->error() != QNetworkReply::NoError || status != 200) {
                QString why = reply->errorString();
                if (reply->property("tooLarge").toBool())
                    why = QStringLiteral("the answer is larger than %1 bytes")
                              .arg(m_options.maxBytes);
                else if (reply->error() == QNetworkReply::OperationCanceledError)
                    why = QStringLiteral("no answer within %1 s").arg(kTimeout.count());
                const QString error = QStringLiteral("%1 failed (HTTP %2): %3 %4")
                                          .arg(request.what)
                                          .arg(status)
                                          .arg(why, QString::fromUtf8(body.left(200)))
                                          .trimmed();
                emit problem(error);
                if (++request.failures == m_options.attempts) {
                    if (request.failed)
                        request.failed(error);
                    return;
                }
                QTimer::singleShot(
                    m_backoff.next(), this, [this, request = std::move(request)]() mutable {
                        schedule(std::move(request));
                    });
                return;
            }
            m_backoff.reset();
            request.answered(body);
        });
}

} // namespace tickscope::ingest
