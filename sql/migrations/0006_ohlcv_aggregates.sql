-- Tickscope migration 0006: OHLCV at 1m 5m 15m 1h 4h 1d, the same names and contents on both
-- TimescaleDB editions.
--
-- * The TSL edition gets hierarchical continuous aggregates (1m over trades, 5m over 1m, ...)
--   with real-time aggregation. The Apache edition has none, so there the same names are
--   hypertables that aggregates.refresh_pending() keeps current.
-- * Each level's columns are defined once, in aggregates.levels; the continuous aggregates and the
--   Apache refresh are both built from that row, so the two editions cannot drift apart.
-- * Open and close are the first and last trade by (time, trade id): a sweep of the book prints
--   many trades in the same millisecond, and "first by time" alone would pick one at random.
--   aggregates.trade_order makes that order one bytea (a ROW() would do, but first() cannot
--   serialize a record for a parallel plan: "input of anonymous composite types").
-- * Late, replayed and backfilled trades: the writer records in aggregates.refresh_queue, in the
--   transaction of its batch, each (instrument, minute) the batch touched. refresh_pending()
--   recomputes exactly those buckets and the ones above them, and removes the entries it did.
--   The queue has no unique key on purpose: a writer whose entry "already existed" could commit
--   after a refresh had taken that entry, and its trades would never be counted.
SET LOCAL ROLE tickscope_admin;

-- Sorts as (time, trade_id, trade_ref) do, numeric ids before text ones, text by its bytes.
CREATE FUNCTION aggregates.trade_order(at timestamptz, id bigint, ref text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN int8send((extract(epoch FROM at) * 1000000)::bigint # (-9223372036854775808))
    || CASE WHEN id IS NOT NULL THEN '\x00'::bytea || int8send(id # (-9223372036854775808))
            ELSE '\x01'::bytea || convert_to(ref, 'UTF8') END;

CREATE TABLE aggregates.levels (
    name          text PRIMARY KEY,         -- '1m', as in aggregates.ohlcv.interval
    position      integer NOT NULL UNIQUE,  -- 1 for the finest level
    bucket_width  interval NOT NULL,
    relation      text NOT NULL,            -- aggregates.ohlcv_1m ...
    source        text NOT NULL,            -- what the level is computed from
    source_time   text NOT NULL,            -- that relation's time column
    select_list   text NOT NULL             -- the columns after (bucket, instrument_id)
);

INSERT INTO aggregates.levels VALUES
    ('1m', 1, '1 minute', 'aggregates.ohlcv_1m', 'market_data.trades', 'time', $cols$
    first(price, aggregates.trade_order(time, trade_id, trade_ref)) AS open, max(price) AS high,
    min(price) AS low, last(price, aggregates.trade_order(time, trade_id, trade_ref)) AS close,
    sum(size) AS volume, sum(price * size) AS notional, sum(price * size) / sum(size) AS vwap,
    count(*) AS trades,
    coalesce(sum(size) FILTER (WHERE side = 'B'), 0) AS buy_volume,
    coalesce(sum(size) FILTER (WHERE side = 'S'), 0) AS sell_volume$cols$);

INSERT INTO aggregates.levels
SELECT name, position, bucket_width, 'aggregates.ohlcv_' || name, 'aggregates.ohlcv_' || source,
       'bucket', $cols$
    first(open, bucket) AS open, max(high) AS high, min(low) AS low, last(close, bucket) AS close,
    sum(volume) AS volume, sum(notional) AS notional, sum(notional) / sum(volume) AS vwap,
    sum(trades)::bigint AS trades, sum(buy_volume) AS buy_volume,
    sum(sell_volume) AS sell_volume$cols$
FROM (VALUES ('5m', 2, interval '5 minutes', '1m'), ('15m', 3, '15 minutes', '5m'),
             ('1h', 4, '1 hour', '15m'), ('4h', 5, '4 hours', '1h'),
             ('1d', 6, '1 day', '4h')) AS l (name, position, bucket_width, source);

CREATE TABLE aggregates.refresh_queue (
    entry_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_id integer NOT NULL,
    bucket        timestamptz NOT NULL,     -- a minute that a batch wrote trades into
    queued_at     timestamptz NOT NULL DEFAULT now()
);

DO $levels$
DECLARE
    level aggregates.levels;
    tsl boolean := current_setting('timescaledb.license', true) = 'timescale';
BEGIN
    FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
        IF tsl THEN
            EXECUTE format(
                'CREATE MATERIALIZED VIEW %s WITH (timescaledb.continuous, '
                'timescaledb.materialized_only = false) AS '
                'SELECT time_bucket(%L, %I) AS bucket, instrument_id, %s FROM %s '
                'GROUP BY 1, 2 WITH NO DATA',
                level.relation, level.bucket_width, level.source_time, level.select_list,
                level.source);
        ELSE
            EXECUTE format(
                'CREATE TABLE %s (bucket timestamptz NOT NULL, instrument_id integer NOT NULL, '
                'open numeric NOT NULL, high numeric NOT NULL, low numeric NOT NULL, '
                'close numeric NOT NULL, volume numeric NOT NULL, notional numeric NOT NULL, '
                'vwap numeric NOT NULL, trades bigint NOT NULL, buy_volume numeric NOT NULL, '
                'sell_volume numeric NOT NULL, PRIMARY KEY (instrument_id, bucket) '
                'INCLUDE (open, high, low, close, volume, trades))',
                level.relation);
            -- The key carries the bar: a refresh every minute writes one row per instrument,
            -- so one instrument's day of bars lies on as many heap pages as it has rows, and an
            -- index-only scan reads it from a few index pages instead.
            -- About a hundred thousand rows per chunk for fifty instruments.
            PERFORM create_hypertable(level.relation::regclass,
                by_range('bucket', CASE WHEN level.position = 1 THEN interval '7 days'
                                        WHEN level.position <= 3 THEN interval '30 days'
                                        ELSE interval '365 days' END),
                create_default_indexes => false);
        END IF;
    END LOOP;
END
$levels$;

-- Apache edition: recompute the queued buckets, level by level, in one transaction.
CREATE PROCEDURE aggregates.refresh_tables()
LANGUAGE plpgsql AS $refresh$
DECLARE
    level aggregates.levels;
BEGIN
    -- Two refreshes at once could each write a higher bucket from the other's stale lower one.
    PERFORM pg_advisory_xact_lock(hashtext('tickscope.aggregates.refresh'));
    IF to_regclass('pg_temp.refresh_work') IS NOT NULL THEN  -- a second call in one transaction
        DROP TABLE refresh_work;
    END IF;
    CREATE TEMPORARY TABLE refresh_work (position integer, instrument_id integer,
                                         bucket timestamptz) ON COMMIT DROP;
    WITH taken AS (DELETE FROM aggregates.refresh_queue RETURNING instrument_id, bucket)
    INSERT INTO refresh_work SELECT DISTINCT 1, instrument_id, bucket FROM taken;
    ANALYZE refresh_work;

    FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
        INSERT INTO refresh_work
        SELECT DISTINCT level.position, instrument_id, time_bucket(level.bucket_width, bucket)
        FROM refresh_work WHERE position = level.position - 1;
        EXECUTE format('DELETE FROM %s a USING refresh_work w WHERE w.position = %s '
                       'AND a.instrument_id = w.instrument_id AND a.bucket = w.bucket',
                       level.relation, level.position);
        -- One index range scan per bucket: OFFSET 0 keeps the planner from flattening the
        -- LATERAL into a hash join on instrument_id alone, which compares every pair of queued
        -- bucket and trade of the instrument (75k buckets: 80 s instead of 5).
        EXECUTE format(
            'INSERT INTO %1$s SELECT time_bucket(%2$L, %3$I) AS bucket, instrument_id, %4$s '
            'FROM (SELECT s.* FROM refresh_work w CROSS JOIN LATERAL (SELECT * FROM %5$s x '
            '      WHERE x.instrument_id = w.instrument_id AND x.%3$I >= w.bucket '
            '      AND x.%3$I < w.bucket + %2$L::interval OFFSET 0) s '
            '      WHERE w.position = %6$s) source '
            'GROUP BY 1, 2',
            level.relation, level.bucket_width, level.source_time, level.select_list,
            level.source, level.position);
    END LOOP;
END
$refresh$;

-- TSL edition: refresh each level over the runs of queued buckets, finest level first, committing
-- between levels so that each one sees the invalidations the one below it left.
CREATE PROCEDURE aggregates.refresh_continuous()
LANGUAGE plpgsql AS $refresh$
DECLARE
    level aggregates.levels;
    entries bigint[];
    minutes timestamptz[];
    run tstzrange;
BEGIN
    SELECT array_agg(entry_id), array_agg(DISTINCT bucket) INTO entries, minutes
    FROM aggregates.refresh_queue;
    IF entries IS NULL THEN
        RETURN;
    END IF;
    COMMIT;
    FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
        -- Consecutive buckets of this level form one run: one refresh call each.
        FOR run IN
            SELECT tstzrange(min(bucket), max(bucket) + level.bucket_width)
            FROM (SELECT bucket, bucket - level.bucket_width * row_number() OVER (ORDER BY bucket)
                         AS island
                  FROM (SELECT DISTINCT time_bucket(level.bucket_width, m) AS bucket
                        FROM unnest(minutes) AS m) buckets) numbered
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

-- What the schedulers (TimescaleDB's jobs, pg_cron) and `tickscope policies run` call.
CREATE PROCEDURE aggregates.refresh_pending(job_id integer DEFAULT NULL, config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $refresh$
BEGIN
    IF current_setting('timescaledb.license', true) = 'timescale' THEN
        CALL aggregates.refresh_continuous();
    ELSE
        CALL aggregates.refresh_tables();
    END IF;
END
$refresh$;

-- The request's shape: one row per instrument, interval and bucket.
DO $view$
BEGIN
    EXECUTE 'CREATE VIEW aggregates.ohlcv AS '
        || (SELECT string_agg(format(
                'SELECT a.bucket AS time, i.exchange, i.symbol, %L::text AS interval, a.open, '
                'a.high, a.low, a.close, a.volume, a.trades, a.vwap, a.buy_volume, '
                'a.sell_volume, a.instrument_id FROM %s a '
                'JOIN market_data.instruments i USING (instrument_id)', name, relation),
                ' UNION ALL ' ORDER BY position)
            FROM aggregates.levels);
END
$view$;

GRANT INSERT ON aggregates.refresh_queue TO tickscope_ingest;
