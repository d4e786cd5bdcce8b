-- Tickscope migration 0007: retention with a compliance hold, run inside the database.
--
-- TimescaleDB's retention policy drops whole chunks, but compliance keeps some exchanges' or
-- symbols' raw data for 7 years while the rest goes after one. So retention is our own
-- procedure, the same on both editions, scheduled by TimescaleDB's job scheduler (TSL) or pg_cron
-- (Apache), or run by `tickscope policies run`. Its settings are rows here, written by
-- `tickscope policies apply`, so that it needs no Tickscope process to run. For each chunk past
-- its table's drop_after it either drops the chunk (nothing held in it) or deletes the rows that
-- are not held, and records what it did in audit.operator_actions.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE market_data.retention_settings (
    hypertable text PRIMARY KEY CHECK (hypertable IN ('trades', 'book_snapshots', 'book_deltas')),
    drop_after interval NOT NULL CHECK (drop_after > interval '0')
);

-- Instruments whose raw rows are kept for keep_for whatever their table's drop_after says.
CREATE TABLE market_data.compliance_holds (
    exchange text NOT NULL,
    symbol   text,                              -- NULL: every symbol of the exchange
    keep_for interval NOT NULL CHECK (keep_for > interval '0'),
    UNIQUE NULLS NOT DISTINCT (exchange, symbol)
);

CREATE PROCEDURE market_data.run_retention(job_id integer DEFAULT NULL, config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $retention$
DECLARE
    setting market_data.retention_settings;
    chunk record;
    unheld integer[];
    held_count bigint;
    deleted bigint;
BEGIN
    FOR setting IN SELECT * FROM market_data.retention_settings ORDER BY hypertable LOOP
        FOR chunk IN
            SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS name, c.range_start,
                   c.range_end
            FROM timescaledb_information.chunks c
            WHERE c.hypertable_schema = 'market_data' AND c.hypertable_name = setting.hypertable
              AND c.range_end <= now() - setting.drop_after
            ORDER BY c.range_start
        LOOP
            -- The instruments whose hold does not cover this chunk, if any is held in it.
            SELECT array_agg(i.instrument_id) FILTER (WHERE NOT coalesce(held.covers, false)),
                   count(*) FILTER (WHERE held.covers)
            INTO unheld, held_count
            FROM market_data.instruments i
            LEFT JOIN LATERAL (
                SELECT now() - max(h.keep_for) < chunk.range_end AS covers
                FROM market_data.compliance_holds h
                WHERE h.exchange = i.exchange AND (h.symbol IS NULL OR h.symbol = i.symbol)
            ) held ON true;

            IF held_count = 0 THEN
                PERFORM drop_chunks(format('market_data.%I', setting.hypertable)::regclass,
                                    older_than => chunk.range_end,
                                    newer_than => chunk.range_start);
                INSERT INTO audit.operator_actions (action, target, detail, outcome)
                VALUES ('retention.drop_chunk', chunk.name,
                        jsonb_build_object('hypertable', setting.hypertable,
                                           'range_start', chunk.range_start,
                                           'range_end', chunk.range_end,
                                           'drop_after', setting.drop_after::text),
                        'succeeded');
            ELSE
                -- By instrument, so the unique index finds the rows (or that none are left).
                EXECUTE format('DELETE FROM %s WHERE instrument_id = ANY ($1)', chunk.name)
                    USING unheld;
                GET DIAGNOSTICS deleted = ROW_COUNT;
                IF deleted > 0 THEN
                    INSERT INTO audit.operator_actions (action, target, detail, outcome)
                    VALUES ('retention.prune_chunk', chunk.name,
                            jsonb_build_object('hypertable', setting.hypertable,
                                               'range_start', chunk.range_start,
                                               'range_end', chunk.range_end,
                                               'drop_after', setting.drop_after::text,
                                               'rows_deleted', deleted,
                                               'held_instruments', held_count),
                            'succeeded');
                END IF;
            END IF;
        END LOOP;
    END LOOP;
END
$retention$;

-- TimescaleDB runs a job, and pg_cron with background workers a schedule, as the role that owns
-- it, and neither starts one as a role that cannot log in. Policies and schedules belong to the
-- admin role; it has no password, so nobody logs in as it through password authentication.
RESET ROLE;
ALTER ROLE tickscope_admin LOGIN;
