-- Tickscope migration 0016: on the Apache edition the writer folds each batch's trades into the
-- OHLCV tables in the batch's own transaction.
--
-- Until now every batch queued the minutes it touched and aggregates.refresh_tables() re-read
-- every trade of each of them: 19.8 s of refresh for 30 s at 100,000 trades/s (issue 27). The
-- writer now sums its batch per (instrument, minute) itself (db/minute_bars.h) and calls
-- aggregates.fold_trades(), which merges those partial bars into every level in one statement,
-- reading nothing: sums add up, high and low compare, and open and close are merged by the trade
-- order of 0006, which each bar now keeps for its open and close trade. The queue stays for what
-- cannot be folded exactly: a replayed batch whose duplicates are not in the trades, sums beyond
-- 128 bits, and bars written before this migration (no order yet), which the refresh recomputes.
-- On the TSL edition fold_trades() queues the minutes as the writer did: continuous aggregates
-- refresh themselves.
SET LOCAL ROLE tickscope_admin;

DO $order$
DECLARE
    level aggregates.levels;
BEGIN
    IF current_setting('timescaledb.license', true) IS DISTINCT FROM 'timescale' THEN
        FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
            EXECUTE format('ALTER TABLE %s ADD COLUMN open_order bytea, '
                           'ADD COLUMN close_order bytea', level.relation);
            EXECUTE format('COMMENT ON COLUMN %s.open_order IS %L', level.relation,
                           'aggregates.trade_order() of the open trade (close_order: of the '
                           'close), by which later trades are folded in; NULL: unknown yet.');
            EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %s TO tickscope_ingest',
                           level.relation);
        END LOOP;
    END IF;
END
$order$;

-- A fold and a refresh of one instrument take turns on this lock (key: the instrument), each
-- taking its instruments in ascending order; each statement after it sees what the other committed.
CREATE FUNCTION aggregates.lock_instruments(instrument_ids integer[]) RETURNS void
LANGUAGE plpgsql AS $lock$
BEGIN
    PERFORM count(pg_advisory_xact_lock(hashtext('tickscope.aggregates.instrument'), id))
    FROM (SELECT DISTINCT id FROM unnest(instrument_ids) AS id ORDER BY id) ordered;
END
$lock$;

-- What a batch's trades add to each (instrument, minute), one array element per pair: the open
-- and close trade (time, id as text and whether it is numeric, price), high, low, the sums and
-- the count, numbers as exact text (db::minuteBars). The statement that merges them into every
-- level is generated from aggregates.levels once, here, so PL/pgSQL keeps its plan for the
-- session: a writer calls this with every batch.
DO $generate$
DECLARE
    merges text;
    unmerged text;
BEGIN
    SELECT string_agg(format($merge$,
    level_%1$s AS (
        INSERT INTO %2$s AS a (bucket, instrument_id, open, high, low, close, volume, notional,
                               vwap, trades, buy_volume, sell_volume, open_order, close_order)
        SELECT time_bucket(%3$L, bucket), instrument_id, first(open, open_order), max(high),
               min(low), last(close, close_order), sum(volume), sum(notional),
               sum(notional) / sum(volume), sum(trades), sum(buy_volume), sum(sell_volume),
               first(open_order, open_order), last(close_order, close_order)
        FROM batch GROUP BY 1, 2
        ON CONFLICT (instrument_id, bucket) DO UPDATE SET
            open = CASE WHEN excluded.open_order < a.open_order THEN excluded.open ELSE a.open END,
            open_order = least(excluded.open_order, a.open_order),
            high = greatest(excluded.high, a.high), low = least(excluded.low, a.low),
            close = CASE WHEN excluded.close_order > a.close_order THEN excluded.close
                         ELSE a.close END,
            close_order = greatest(excluded.close_order, a.close_order),
            volume = excluded.volume + a.volume, notional = excluded.notional + a.notional,
            vwap = (excluded.notional + a.notional) / (excluded.volume + a.volume),
            trades = excluded.trades + a.trades,
            buy_volume = excluded.buy_volume + a.buy_volume,
            sell_volume = excluded.sell_volume + a.sell_volume
        WHERE a.open_order IS NOT NULL AND a.close_order IS NOT NULL
        RETURNING a.instrument_id, a.bucket)$merge$, name, relation, bucket_width),
        '' ORDER BY position),
        string_agg(format($unmerged$
        OR NOT EXISTS (SELECT FROM level_%1$s m WHERE m.instrument_id = b.instrument_id
                       AND m.bucket = time_bucket(%2$L, b.bucket))$unmerged$,
                          name, bucket_width), '' ORDER BY position)
    INTO merges, unmerged
    FROM aggregates.levels;

    EXECUTE format($procedure$
CREATE PROCEDURE aggregates.fold_trades(
    instrument_ids integer[], minutes bigint[],
    open_times text[], open_ids text[], open_id_numeric boolean[], open_prices text[],
    close_times text[], close_ids text[], close_id_numeric boolean[], close_prices text[],
    highs text[], lows text[], volumes text[], notionals text[], trade_counts bigint[],
    buy_volumes text[], sell_volumes text[])
LANGUAGE plpgsql AS %L$procedure$, $body$
BEGIN
    IF current_setting('timescaledb.license', true) = 'timescale' THEN
        INSERT INTO aggregates.refresh_queue (instrument_id, bucket)
        SELECT u.instrument_id, to_timestamp(u.minute)
        FROM unnest(instrument_ids, minutes) AS u (instrument_id, minute);
        RETURN;
    END IF;
    PERFORM aggregates.lock_instruments(instrument_ids);
    WITH batch AS (
        SELECT u.instrument_id, to_timestamp(u.minute) AS bucket, u.open_price::numeric AS open,
               u.high::numeric AS high, u.low::numeric AS low, u.close_price::numeric AS close,
               u.volume::numeric AS volume, u.notional::numeric AS notional,
               u.trade_count AS trades, u.buy_volume::numeric AS buy_volume,
               u.sell_volume::numeric AS sell_volume,
               aggregates.trade_order(u.open_time::timestamptz,
                   CASE WHEN u.open_numeric THEN u.open_id::bigint END,
                   CASE WHEN NOT u.open_numeric THEN u.open_id END) AS open_order,
               aggregates.trade_order(u.close_time::timestamptz,
                   CASE WHEN u.close_numeric THEN u.close_id::bigint END,
                   CASE WHEN NOT u.close_numeric THEN u.close_id END) AS close_order
        FROM unnest(instrument_ids, minutes, open_times, open_ids, open_id_numeric, open_prices,
                    close_times, close_ids, close_id_numeric, close_prices, highs, lows, volumes,
                    notionals, trade_counts, buy_volumes, sell_volumes)
             AS u (instrument_id, minute, open_time, open_id, open_numeric, open_price,
                   close_time, close_id, close_numeric, close_price, high, low, volume,
                   notional, trade_count, buy_volume, sell_volume))$body$ || merges || $body$
    -- A bar without the order of its open and close (from before 0016, or recomputed from one)
    -- cannot take a merge: the refresh recomputes its minute, and the levels above it.
    INSERT INTO aggregates.refresh_queue (instrument_id, bucket)
    SELECT b.instrument_id, b.bucket FROM batch b WHERE false$body$ || unmerged || $body$;
END
$body$);
END
$generate$;

GRANT EXECUTE ON PROCEDURE aggregates.fold_trades TO tickscope_ingest;

-- 0006's refresh, which now also takes the instruments' fold lock and writes each bar's order of
-- its open and close: from the trades, or from the level below when all of its bars know theirs.
CREATE OR REPLACE PROCEDURE aggregates.refresh_tables()
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
    -- A writer folding into these instruments commits first; later statements see its trades.
    PERFORM aggregates.lock_instruments(array_agg(DISTINCT instrument_id)) FROM refresh_work;

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
            'INSERT INTO %1$s SELECT time_bucket(%2$L, %3$I) AS bucket, instrument_id, %4$s%7$s '
            'FROM (SELECT s.* FROM refresh_work w CROSS JOIN LATERAL (SELECT * FROM %5$s x '
            '      WHERE x.instrument_id = w.instrument_id AND x.%3$I >= w.bucket '
            '      AND x.%3$I < w.bucket + %2$L::interval OFFSET 0) s '
            '      WHERE w.position = %6$s) source '
            'GROUP BY 1, 2',
            level.relation, level.bucket_width, level.source_time, level.select_list,
            level.source, level.position,
            CASE WHEN level.position = 1 THEN  -- bytea has no min() and max() before 18
                ', first(aggregates.trade_order(time, trade_id, trade_ref), '
                '        aggregates.trade_order(time, trade_id, trade_ref)), '
                'last(aggregates.trade_order(time, trade_id, trade_ref), '
                '     aggregates.trade_order(time, trade_id, trade_ref))'
            ELSE
                ', CASE WHEN count(open_order) = count(*) '
                '       THEN first(open_order, open_order) END, '
                'CASE WHEN count(close_order) = count(*) '
                '     THEN last(close_order, close_order) END' END);
    END LOOP;
END
$refresh$;
