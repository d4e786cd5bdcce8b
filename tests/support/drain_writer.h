// Runs the writer thread's worker over its journal until the journal holds nothing more, as
// `tickscope ingest` does at stop, on the test's thread; yields the writer's last status.
#pragma once

#include "app/ingest/database_writer.h"

#include <memory>

namespace tickscope::testing {

inline model::WriterStatus drainWriter(
    std::unique_ptr<feeds::ExchangeAdapter> adapter, ingest::DatabaseWriterOptions options)
{
    ingest::DatabaseWriter writer{std::move(adapter), std::move(options)};
    model::WriterStatus last;
    QObject::connect(&writer, &ingest::DatabaseWriter::statusChanged,
        [&last](const model::WriterStatus &status) { last = status; });
    writer.start();
    writer.drainAndStop(std::chrono::seconds(30));
    return last;
}

} // namespace tickscope::testing
