// `tickscope local-db add-standby`: a streaming standby of the embedded cluster in a directory
// of its own, laid out like the embedded cluster (so `local-db start|stop|status --data-dir`
// drive it): pg_basebackup over a replication slot named after its port, which keeps on the
// primary every WAL segment the standby has not received - also while it is down - and the
// connection to the primary written by pg_basebackup (as tickscope_replicator, which may only
// replicate), with the primary's passfile copied beside.
#pragma once

#include "app/ops/local_server.h"

#include <QString>
#include <expected>
#include <functional>

namespace tickscope::ops {

// "standby_54330": the slot and application_name of the standby on `port`.
QString standbySlotName(int port);

std::expected<LocalServerState, QString> addStandby(const LocalServer &primary,
    const QString &directory, int port, const std::function<void(const QString &)> &progress);

} // namespace tickscope::ops
