-- Tickscope migration 0015: on the TSL edition the refresh queue no longer refreshes what
-- TimescaleDB's own refresh policies and real-time aggregation answer.
--
-- 0006 refreshed every queued bucket of every level, the one still filling included. That moved
-- the continuous aggregate's watermark to the end of the current bucket, so the real-time union
-- stopped reading the raw trades there, and the bucket showed what had arrived by the refresh
-- until the next run (7,113 of 8,000 trades of the current minute in test_policies_live; with
-- the default refresh every minute, up to a minute of trades missing from the current 1m .. 1d
-- bars). Now a level refreshes from the queue only buckets that have ended and that its refresh
-- policy does not reach (those starting before now - start_offset, or every ended bucket when it
-- has no scheduled policy); the policy refreshes the others through TimescaleDB's invalidation
-- log, and the bucket still filling is read from the trades.
SET LOCAL ROLE tickscope_admin;

CREATE OR REPLACE PROCEDURE aggregates.refresh_continuous()
LANGUAGE plpgsql AS $refresh$
DECLARE
    level aggregates.levels;
    entries bigint[];
    minutes timestamptz[];
    policy_reach timestamptz;
    run tstzrange;
BEGIN
    SELECT array_agg(entry_id), array_agg(DISTINCT bucket) INTO entries, minutes
    FROM aggregates.refresh_queue;
    IF entries IS NULL THEN
        RETURN;
    END IF;
    COMMIT;
    FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
        -- How far back this level's refresh policy reaches; NULL without a scheduled one.
        SELECT now() - (j.config->>'start_offset')::interval INTO policy_reach
        FROM timescaledb_information.jobs j
        WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND j.scheduled
          AND format('%I.%I', j.hypertable_schema, j.hypertable_name) = level.relation;
        -- Consecutive buckets of this level form one run: one refresh call each.
        FOR run IN
            SELECT tstzrange(min(bucket), max(bucket) + level.bucket_width)
            FROM (SELECT bucket, bucket - level.bucket_width * row_number() OVER (ORDER BY bucket)
                         AS island
                  FROM (SELECT DISTINCT time_bucket(level.bucket_width, m) AS bucket
                        FROM unnest(minutes) AS m) buckets
                  WHERE bucket + level.bucket_width <= now()
                    AND (policy_reach IS NULL OR bucket < policy_reach)) numbered
            GROUP BY island
        LOOP
            CALL refresh_continuous_aggregate(level.relation::regclass, lower(run), upper(run));
            COMMIT;
        END LOOP;
    END LOOP;
    -- Only now: a refresh that failed half way leaves its entries for the next run.
    DELETE FROM aggregates.refresh_queue WHERE entry_id = ANY (entries);
END
$refresh$;
