-- Tickscope migration 0023: on the TSL edition too, the writer folds each batch's trades into the
-- 1-minute bars in the batch's own transaction; 5m .. 1d stay continuous aggregates, over those
-- bars.
--
-- The 1-minute continuous aggregate read every trade again to refresh a minute: 3.5 us a trade for
-- its select list (numeric sums, the order of the open and close trade), 9.6 s of refresh for 30 s
-- at 100,000 trades/s, 32 % of the wall time (issue 27). Since 0016 the Apache edition folds each
-- batch into its tables for 0.1 %. Now the finest level is that same table on both editions, kept
-- by the same fold, and recomputed from the trades by the same refresh where a fold cannot be
-- exact (a replay's duplicates, a bar without the order of its open and close). On the TSL
-- edition the levels above it are continuous aggregates over it: their refresh reads a row an
-- instrument and minute instead of every trade.
--
-- A queue entry says which work it needs (from_trades): its bucket recomputed from the trades
-- into the tables, or, on the TSL edition, only the continuous aggregates refreshed over a bucket
-- that the fold took. The conversion itself commits between its steps: 0024 runs it.
SET LOCAL ROLE tickscope_admin;

ALTER TABLE aggregates.refresh_queue ADD COLUMN from_trades boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN aggregates.refresh_queue.from_trades IS
    'true: the bucket''s bars are recomputed from the trades, in the levels that are tables; '
    'false: they hold its trades, and only the continuous aggregates above them are refreshed.';

CREATE FUNCTION aggregates.is_continuous(relation text) RETURNS boolean
LANGUAGE sql STABLE
RETURN EXISTS (SELECT FROM _timescaledb_catalog.continuous_agg c
               WHERE to_regclass(format('%I.%I', c.user_view_schema, c.user_view_name))
                     = to_regclass(relation));

-- 0016's fold, generated from the levels that are tables (all six on the Apache edition, the
-- finest on the TSL one); when continuous aggregates sit above them, the batch's minutes are
-- queued for their refresh. Whatever changes which levels are tables calls it again.
CREATE FUNCTION aggregates.define_fold_trades() RETURNS void
LANGUAGE plpgsql AS $generate$
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
    FROM aggregates.levels
    WHERE NOT aggregates.is_continuous(relation);
    merges := coalesce(merges, '');
    unmerged := coalesce(unmerged, '');

    IF EXISTS (SELECT FROM aggregates.levels WHERE aggregates.is_continuous(relation)) THEN
        merges := merges || $refresh$,
    refresh_above AS (
        INSERT INTO aggregates.refresh_queue (instrument_id, bucket, from_trades)
        SELECT instrument_id, bucket, false FROM batch)$refresh$;
    END IF;

    EXECUTE format($procedure$
CREATE OR REPLACE PROCEDURE aggregates.fold_trades(
    instrument_ids integer[], minutes bigint[],
    open_times text[], open_ids text[], open_id_numeric boolean[], open_prices text[],
    close_times text[], close_ids text[], close_id_numeric boolean[], close_prices text[],
    highs text[], lows text[], volumes text[], notionals text[], trade_counts bigint[],
    buy_volumes text[], sell_volumes text[])
LANGUAGE plpgsql AS %L$procedure$, $body$
BEGIN
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
    GRANT EXECUTE ON PROCEDURE aggregates.fold_trades TO tickscope_ingest;
END
$generate$;

SELECT aggregates.define_fold_trades();

-- 0019's refresh over the levels that are tables only. On the TSL edition the entries it took
-- stay queued for the continuous aggregates above (from_trades false).
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
    IF EXISTS (SELECT FROM aggregates.levels WHERE aggregates.is_continuous(relation)) THEN
        WITH taken AS (UPDATE aggregates.refresh_queue SET from_trades = false
                       WHERE from_trades RETURNING instrument_id, bucket)
        INSERT INTO refresh_work SELECT DISTINCT 1, instrument_id, bucket FROM taken;
    ELSE
        WITH taken AS (DELETE FROM aggregates.refresh_queue RETURNING instrument_id, bucket)
        INSERT INTO refresh_work SELECT DISTINCT 1, instrument_id, bucket FROM taken;
    END IF;
    ANALYZE refresh_work;
    -- A writer folding into these instruments commits first; later statements see its trades.
    PERFORM aggregates.lock_instruments(array_agg(DISTINCT instrument_id)) FROM refresh_work;

    FOR level IN SELECT * FROM aggregates.levels WHERE NOT aggregates.is_continuous(relation)
                 ORDER BY position LOOP
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
                ', first(aggregates.trade_order(time, trade_id, trade_uuid, trade_ref), '
                '        aggregates.trade_order(time, trade_id, trade_uuid, trade_ref)), '
                'last(aggregates.trade_order(time, trade_id, trade_uuid, trade_ref), '
                '     aggregates.trade_order(time, trade_id, trade_uuid, trade_ref))'
            ELSE
                ', CASE WHEN count(open_order) = count(*) '
                '       THEN first(open_order, open_order) END, '
                'CASE WHEN count(close_order) = count(*) '
                '     THEN last(close_order, close_order) END' END);
    END LOOP;
END
$refresh$;

-- 0015's refresh of the continuous aggregates, over the entries whose bars the tables below hold.
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
    FROM aggregates.refresh_queue WHERE NOT from_trades;
    IF entries IS NULL THEN
        RETURN;
    END IF;
    COMMIT;
    FOR level IN SELECT * FROM aggregates.levels WHERE aggregates.is_continuous(relation)
                 ORDER BY position LOOP
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

CREATE OR REPLACE PROCEDURE aggregates.refresh_pending(job_id integer DEFAULT NULL,
                                                       config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $refresh$
BEGIN
    CALL aggregates.refresh_tables();
    IF current_setting('timescaledb.license', true) = 'timescale' THEN
        COMMIT;
        CALL aggregates.refresh_continuous();
    END IF;
END
$refresh$;

-- The conversion's record, a row a level: where each continuous aggregate was materialized up to
-- and its policies, so that a conversion that was stopped goes on from where it was.
CREATE TABLE audit.finest_level_conversion (
    relation     text PRIMARY KEY,
    watermark    timestamptz,               -- the aggregate's before, NULL when it had none
    bars         bigint NOT NULL,           -- the 1-minute table: bars taken from the aggregate
    policies     text[] NOT NULL,           -- the statements that give it its policies back
    refreshed_at timestamptz,               -- when it was refreshed up to its watermark again
    policies_at  timestamptz
);

-- TSL: the 1-minute continuous aggregate becomes a table as the Apache edition's, holding every
-- bar the aggregate had (below its watermark as materialized, those of trades that retention
-- dropped included; above it computed from the trades, with the order of their open and close);
-- the levels above are made again over it, refreshed up to where they were (they were rolled up
-- from those same bars), and given their policies back. The first step is one transaction; each
-- refresh and each level's policies commit on their own, and a run that was stopped goes on.
CREATE PROCEDURE aggregates.convert_finest_level()
LANGUAGE plpgsql AS $convert$
DECLARE
    finest aggregates.levels;
    level aggregates.levels;
    materialization text;
    materialization_id integer;
    watermark timestamptz;
    recomputed_from timestamptz;
    copied bigint;
    statement text;
BEGIN
    -- What it creates belongs to the schema's owner, as every migration's does; for the session
    -- (SET LOCAL would end at the first COMMIT).
    SET ROLE tickscope_admin;
    SELECT * INTO finest FROM aggregates.levels ORDER BY position LIMIT 1;
    IF aggregates.is_continuous(finest.relation) THEN
        FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
            SELECT format('%I.%I', h.schema_name, h.table_name), h.id
            INTO materialization, materialization_id
            FROM _timescaledb_catalog.continuous_agg c
            JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
            WHERE to_regclass(format('%I.%I', c.user_view_schema, c.user_view_name))
                  = level.relation::regclass;
            -- None when it never materialized a bar.
            EXECUTE format('SELECT CASE WHEN EXISTS (SELECT FROM %s) THEN '
                           '_timescaledb_functions.to_timestamp('
                           '_timescaledb_functions.cagg_watermark(%s)) END',
                           materialization, materialization_id)
            INTO watermark;
            copied := 0;
            IF level.position = finest.position THEN
                EXECUTE format(
                    'CREATE TABLE aggregates.ohlcv_folded (bucket timestamptz NOT NULL, '
                    'instrument_id integer NOT NULL, open numeric NOT NULL, '
                    'high numeric NOT NULL, low numeric NOT NULL, close numeric NOT NULL, '
                    'volume numeric NOT NULL, notional numeric NOT NULL, vwap numeric NOT NULL, '
                    'trades bigint NOT NULL, buy_volume numeric NOT NULL, '
                    'sell_volume numeric NOT NULL, open_order bytea, close_order bytea, '
                    'PRIMARY KEY (instrument_id, bucket) '
                    'INCLUDE (open, high, low, close, volume, trades))');
                -- Bars the refresh policy has yet to correct (a late trade within its reach
                -- waits in TimescaleDB's invalidation log) are computed from the trades, as is
                -- everything after the watermark; the trades there are kept (PolicyManager
                -- keeps the policy's reach within retention).
                SELECT time_bucket(level.bucket_width,
                                   now() - (j.config->>'start_offset')::interval)
                INTO recomputed_from
                FROM timescaledb_information.jobs j
                WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
                  AND format('%I.%I', j.hypertable_schema, j.hypertable_name) = level.relation;
                recomputed_from := CASE WHEN watermark IS NULL THEN '-infinity'
                                        ELSE least(watermark, recomputed_from) END;
                PERFORM create_hypertable('aggregates.ohlcv_folded',
                                          by_range('bucket', interval '7 days'),
                                          create_default_indexes => false);
                EXECUTE format('INSERT INTO aggregates.ohlcv_folded (bucket, instrument_id, '
                               'open, high, low, close, volume, notional, vwap, trades, '
                               'buy_volume, sell_volume) '
                               'SELECT bucket, instrument_id, open, high, low, close, volume, '
                               'notional, vwap, trades, buy_volume, sell_volume FROM %s '
                               'WHERE bucket < %L', materialization, recomputed_from);
                GET DIAGNOSTICS copied = ROW_COUNT;
                EXECUTE format(
                    'INSERT INTO aggregates.ohlcv_folded SELECT time_bucket(%L, time), '
                    'instrument_id, %s, '
                    'first(aggregates.trade_order(time, trade_id, trade_uuid, trade_ref), '
                    '      aggregates.trade_order(time, trade_id, trade_uuid, trade_ref)), '
                    'last(aggregates.trade_order(time, trade_id, trade_uuid, trade_ref), '
                    '     aggregates.trade_order(time, trade_id, trade_uuid, trade_ref)) '
                    'FROM %s WHERE time >= %L GROUP BY 1, 2',
                    finest.bucket_width, finest.select_list, finest.source, recomputed_from);
            END IF;
            INSERT INTO audit.finest_level_conversion (relation, watermark, bars, policies)
            SELECT level.relation, watermark, copied, coalesce(array_agg(
                       CASE WHEN j.proc_name = 'policy_refresh_continuous_aggregate'
                            THEN format('SELECT add_continuous_aggregate_policy(%L, '
                                        'start_offset => %L::interval, end_offset => '
                                        '%L::interval, schedule_interval => %L::interval)',
                                        level.relation, j.config->>'start_offset',
                                        j.config->>'end_offset', j.schedule_interval)
                            ELSE format('SELECT add_compression_policy(%L, compress_after => '
                                        '%L::interval)', level.relation,
                                        j.config->>'compress_after') END
                       ORDER BY j.proc_name)
                       FILTER (WHERE j.job_id IS NOT NULL
                               AND (level.position > finest.position
                                    OR j.proc_name = 'policy_compression')), '{}')
            FROM (SELECT 1) one
            LEFT JOIN timescaledb_information.jobs j
                   ON format('%I.%I', j.hypertable_schema, j.hypertable_name)
                      = level.relation
                  AND j.proc_name IN ('policy_refresh_continuous_aggregate',
                                      'policy_compression');
            IF (SELECT compression_enabled FROM timescaledb_information.continuous_aggregates
                WHERE format('%I.%I', view_schema, view_name) = level.relation) THEN
                UPDATE audit.finest_level_conversion SET policies = ARRAY[CASE
                    -- With TimescaleDB's own sparse index: without it (compress_index = ''),
                    -- 2.29.2 crashes the backend on an upsert into a compressed chunk.
                    WHEN level.position = finest.position THEN format(
                        'ALTER TABLE %s SET (timescaledb.compress, '
                        'timescaledb.compress_segmentby = ''instrument_id'', '
                        'timescaledb.compress_orderby = ''bucket'')', level.relation)
                    ELSE format('ALTER MATERIALIZED VIEW %s SET (timescaledb.compress)',
                                level.relation) END] || policies
                WHERE relation = level.relation;
            END IF;
        END LOOP;

        DROP VIEW aggregates.ohlcv;
        FOR level IN SELECT * FROM aggregates.levels ORDER BY position DESC LOOP
            EXECUTE format('DROP MATERIALIZED VIEW %s', level.relation);
        END LOOP;
        EXECUTE format('ALTER TABLE aggregates.ohlcv_folded RENAME TO %I',
                       split_part(finest.relation, '.', 2));
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %s TO tickscope_ingest',
                       finest.relation);
        EXECUTE format('COMMENT ON COLUMN %s.open_order IS %L', finest.relation,
                       'aggregates.trade_order() of the open trade (close_order: of the '
                       'close), by which later trades are folded in; NULL: unknown yet.');
        FOR level IN SELECT * FROM aggregates.levels WHERE position > finest.position
                     ORDER BY position LOOP
            EXECUTE format(
                'CREATE MATERIALIZED VIEW %s WITH (timescaledb.continuous, '
                'timescaledb.materialized_only = false) AS '
                'SELECT time_bucket(%L, %I) AS bucket, instrument_id, %s FROM %s '
                'GROUP BY 1, 2 WITH NO DATA',
                level.relation, level.bucket_width, level.source_time, level.select_list,
                level.source);
            -- 0022's covering index.
            EXECUTE format('CREATE INDEX %I ON %s (instrument_id, bucket) INCLUDE (open, high, '
                           'low, close, volume, trades, vwap, buy_volume, sell_volume)',
                           'ohlcv_' || level.name || '_bars', level.relation);
        END LOOP;
        PERFORM aggregates.define_ohlcv_view();
        PERFORM aggregates.define_fold_trades();
        COMMIT;
    END IF;

    -- The levels above, up to where they were materialized, finest first.
    FOR level IN
        SELECT l.* FROM aggregates.levels l JOIN audit.finest_level_conversion c USING (relation)
        WHERE l.position > finest.position AND c.watermark IS NOT NULL
          AND c.refreshed_at IS NULL
        ORDER BY l.position
    LOOP
        SELECT c.watermark INTO watermark FROM audit.finest_level_conversion c
        WHERE c.relation = level.relation;
        RAISE INFO 'aggregates: refreshing % up to %', level.relation, watermark;
        CALL refresh_continuous_aggregate(level.relation::regclass, NULL, watermark);
        UPDATE audit.finest_level_conversion SET refreshed_at = now()
        WHERE relation = level.relation;
        COMMIT;
    END LOOP;
    FOR level IN
        SELECT l.* FROM aggregates.levels l JOIN audit.finest_level_conversion c USING (relation)
        WHERE c.policies_at IS NULL ORDER BY l.position
    LOOP
        FOR statement IN
            SELECT unnest(policies) FROM audit.finest_level_conversion
            WHERE relation = level.relation
        LOOP
            EXECUTE statement;
        END LOOP;
        UPDATE audit.finest_level_conversion SET policies_at = now()
        WHERE relation = level.relation;
        COMMIT;
    END LOOP;
END
$convert$;
