-- Tickscope migration 0008: storage over time, for the console's Storage page.
--
-- audit.sample_storage() records, per hypertable, its size, chunks, compressed chunks and the bytes
-- before and after compression; a job runs it (TimescaleDB's scheduler, pg_cron, or `tickscope
-- policies run`), so the compression ratio has a history even while no console is open. The
-- Apache edition has no compression: there the compression columns stay NULL.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE audit.storage_samples (
    time              timestamptz NOT NULL DEFAULT now(),
    hypertable        text NOT NULL,           -- schema.name
    total_bytes       bigint NOT NULL,
    chunks            integer NOT NULL,
    compressed_chunks integer,
    before_bytes      bigint,                  -- of the compressed chunks, before compression
    after_bytes       bigint,
    PRIMARY KEY (hypertable, time)
);

CREATE PROCEDURE audit.sample_storage(job_id integer DEFAULT NULL, config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $sample$
DECLARE
    tsl boolean := current_setting('timescaledb.license', true) = 'timescale';
    table_name regclass;
BEGIN
    FOR table_name IN
        SELECT format('%I.%I', hypertable_schema, hypertable_name)::regclass
        FROM timescaledb_information.hypertables
        WHERE hypertable_schema IN ('market_data', 'aggregates')
    LOOP
        IF tsl THEN
            -- No row from the stats while nothing is compressed.
            INSERT INTO audit.storage_samples (hypertable, total_bytes, chunks, compressed_chunks,
                                               before_bytes, after_bytes)
            SELECT table_name::text, hypertable_size(table_name),
                   (SELECT count(*) FROM show_chunks(table_name)),
                   coalesce(s.number_compressed_chunks, 0), s.before_compression_total_bytes,
                   s.after_compression_total_bytes
            FROM (SELECT) one
            LEFT JOIN LATERAL hypertable_compression_stats(table_name) s ON true;
        ELSE
            INSERT INTO audit.storage_samples (hypertable, total_bytes, chunks)
            SELECT table_name::text, hypertable_size(table_name),
                   (SELECT count(*) FROM show_chunks(table_name));
        END IF;
    END LOOP;
    -- Samples older than 90 days have served the chart.
    DELETE FROM audit.storage_samples WHERE time < now() - interval '90 days';
END
$sample$;
