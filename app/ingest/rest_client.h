// GET requests to one exchange's REST side within its published weight limit: each request waits
// its turn (feeds::RequestPacer); a 429 or 418 answer pauses every request for the Retry-After the
// exchange names and asks again; any other failure is asked again after a growing pause
// (feeds::Backoff), until `attempts` have failed (0: for ever). Answers larger than `maxBytes` are
// dropped. Used by FeedSession (snapshots and backfill pages, for ever) and by
// `tickscope gaps --backfill` (a few attempts; a gap whose page never comes stays open).
#pragma once

#include "app/feeds/backoff.h"
#include "app/feeds/request_pacer.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>

class QNetworkAccessManager;

namespace tickscope::ingest {

class RestClient : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int weightPerMinute = 0; // the exchange's published limit (0: none known)
        std::chrono::milliseconds retryBase{500};
        std::chrono::milliseconds retryCap{30'000};
        int attempts = 0; // failed attempts before giving up; 0: never give up
        std::int64_t maxBytes = 64 << 20;
    };

    explicit RestClient(Options options, QObject *parent = nullptr);

    // GETs `url`, which weighs `weight` against the limit; `what` names it in messages ("book
    // snapshot of BTCUSDT"). `answered` gets a 200 answer's body; `failed` the last error once
    // the attempts are used up.
    void get(const QUrl &url, int weight, const QString &what,
        std::function<void(const QByteArray &body)> answered,
        std::function<void(const QString &error)> failed = {});
    // Drops every request still waiting or under way; no callback runs after it.
    void stop();

signals:
    // A refusal or a failure that will be tried again (or that gave up), in words.
    void problem(const QString &text);

private:
    struct Request
    {
        QUrl url;
        int weight = 1;
        QString what;
        std::function<void(const QByteArray &body)> answered;
        std::function<void(const QString &error)> failed;
        int failures = 0;
    };
    void schedule(Request request);
    void send(Request request);

    Options m_options;
    QNetworkAccessManager *m_network;
    feeds::RequestPacer m_pacer; // shared by all requests: the limit is the address's
    feeds::Backoff m_backoff;
    bool m_stopped = false;
};

} // namespace tickscope::ingest
