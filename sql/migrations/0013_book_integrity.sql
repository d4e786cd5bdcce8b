-- Tickscope migration 0013: book integrity as a time series per stream.
--
-- Per instrument and minute of receive time, what its order book went through: the updates
-- applied and dropped, the checksums checked and those that failed, the sequence breaks, the
-- messages after which the book was crossed and the resynchronisations asked for. The writer adds
-- each batch's counts in the batch's own transaction, so a minute is counted once however its
-- messages were batched. The console's Gaps page charts it; readers see it as every audit table.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE audit.book_integrity (
    minute            timestamptz NOT NULL,
    instrument_id     integer NOT NULL REFERENCES market_data.instruments,
    updates_applied   bigint NOT NULL DEFAULT 0,
    updates_dropped   bigint NOT NULL DEFAULT 0,
    checksum_checks   bigint NOT NULL DEFAULT 0,
    checksum_failures bigint NOT NULL DEFAULT 0,
    sequence_breaks   bigint NOT NULL DEFAULT 0,
    crossed_books     bigint NOT NULL DEFAULT 0,
    resyncs           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (instrument_id, minute)
);
SELECT create_hypertable('audit.book_integrity', by_range('minute', INTERVAL '7 days'));

GRANT SELECT, INSERT, UPDATE ON audit.book_integrity TO tickscope_ingest;
