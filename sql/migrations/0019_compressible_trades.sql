-- Tickscope migration 0019: trades in a layout that TimescaleDB compresses past 10:1 (issue 27).
--
-- Chosen column by column on the real TSL server (docs/performance.md, "A storage layout
-- TimescaleDB can compress"): 23.1 bytes a trade after compression with 0013's columns against
-- about 14 with these, because TimescaleDB stores numeric and text under LZ but integers, times
-- and UUIDs with encodings of their own:
-- * prices and sizes as integer units and a scale (value = units x 10^-scale): the writer keeps
--   each instrument's finest scale, so one instrument's units move by whole ticks; the scale is
--   per row, so a tick size that changes needs no rewrite and readers no catalogue;
-- * the receive time as microseconds after the exchange's time;
-- * a trade id that is a UUID in its canonical lower-case text as uuid; any other text id stays
--   verbatim in trade_ref, so every id reads back as the exchange sent it.
-- market_data.to_numeric() gives back exactly the numeric that 0013's table held (Tickscope wrote
-- every value without trailing zeros). The old table is set aside as market_data.trades_numeric;
-- 0020 moves its rows chunk by chunk, each chunk verified by count and digest.
SET LOCAL ROLE tickscope_admin;

-- units x 10^-scale without trailing zeros. A constant array, not power(): this is inlined into
-- every aggregate's select list and must cost one multiplication.
CREATE FUNCTION market_data.to_numeric(units bigint, scale smallint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN trim_scale(units * ('{1, 0.1, 0.01, 0.001, 0.0001, 0.00001, 0.000001, 0.0000001, '
    '0.00000001, 0.000000001, 0.0000000001, 0.00000000001, 0.000000000001, 0.0000000000001, '
    '0.00000000000001, 0.000000000000001, 0.0000000000000001, 0.00000000000000001, '
    '0.000000000000000001}'::numeric[])[scale + 1]);

-- STABLE, as timestamptz arithmetic is; inlined into the queries that call it.
CREATE FUNCTION market_data.received_at(at timestamptz, received_after_us bigint)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN at + received_after_us * interval '1 microsecond';

-- 0017's order of trades for ids in three columns: a UUID sorts by its text, as when it was text.
CREATE FUNCTION aggregates.trade_order(at timestamptz, id bigint, uuid uuid, ref text)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN aggregates.trade_order(at, id, coalesce(ref, uuid::text));

ALTER TABLE market_data.trades RENAME TO trades_numeric;
ALTER INDEX market_data.trades_instrument_time_trade_key RENAME TO trades_numeric_key;

CREATE TABLE market_data.trades (
    time              timestamptz NOT NULL,   -- the exchange's trade time
    received_after_us bigint NOT NULL,        -- when Tickscope received it, after `time`
    instrument_id     integer NOT NULL,
    trade_id          bigint,
    trade_uuid        uuid,
    trade_ref         text,
    price_units       bigint NOT NULL CHECK (price_units > 0),
    price_scale       smallint NOT NULL CHECK (price_scale BETWEEN 0 AND 18),
    size_units        bigint NOT NULL CHECK (size_units > 0),
    size_scale        smallint NOT NULL CHECK (size_scale BETWEEN 0 AND 18),
    side              "char" NOT NULL CHECK (side IN ('B', 'S', 'U')),  -- aggressor
    CONSTRAINT trades_one_trade_id CHECK (num_nonnulls(trade_id, trade_uuid, trade_ref) = 1)
);
COMMENT ON COLUMN market_data.trades.trade_id IS
    'The exchange''s trade id when it is a decimal integer that fits in a bigint; else NULL.';
COMMENT ON COLUMN market_data.trades.trade_uuid IS
    'The exchange''s trade id when it is a UUID written in lower case; else NULL.';
COMMENT ON COLUMN market_data.trades.trade_ref IS
    'The exchange''s trade id verbatim when it is neither; else NULL.';
COMMENT ON COLUMN market_data.trades.price_units IS
    'The price in units of 10^-price_scale: market_data.to_numeric(price_units, price_scale).';
COMMENT ON COLUMN market_data.trades.size_units IS
    'The size in units of 10^-size_scale: market_data.to_numeric(size_units, size_scale).';
SELECT create_hypertable('market_data.trades',
    by_range('time', (SELECT d.time_interval FROM timescaledb_information.dimensions d
                      WHERE d.hypertable_schema = 'market_data'
                        AND d.hypertable_name = 'trades_numeric' AND d.column_name = 'time')),
    create_default_indexes => false);
CREATE UNIQUE INDEX trades_instrument_time_trade_key
    ON market_data.trades (instrument_id, time DESC, trade_id, trade_uuid, trade_ref)
    NULLS NOT DISTINCT;

-- The privileges, compression and compression policy of the table it replaces.
DO $carry$
DECLARE
    granted record;
    compress_after interval;
BEGIN
    FOR granted IN
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
               a.privilege_type
        FROM pg_class c CROSS JOIN aclexplode(c.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = 'market_data.trades_numeric'::regclass AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON market_data.trades TO %s', granted.privilege_type,
                       granted.grantee);
    END LOOP;
    IF EXISTS (SELECT FROM timescaledb_information.hypertables
               WHERE hypertable_schema = 'market_data' AND hypertable_name = 'trades_numeric'
                 AND compression_enabled) THEN
        ALTER TABLE market_data.trades SET (timescaledb.compress,
            timescaledb.compress_segmentby = 'instrument_id',
            timescaledb.compress_orderby = 'time DESC, trade_id, trade_uuid, trade_ref');
        SELECT (config->>'compress_after')::interval INTO compress_after
        FROM timescaledb_information.jobs
        WHERE proc_name = 'policy_compression' AND hypertable_schema = 'market_data'
          AND hypertable_name = 'trades_numeric';
        IF compress_after IS NOT NULL THEN
            PERFORM remove_compression_policy('market_data.trades_numeric');
            PERFORM add_compression_policy('market_data.trades', compress_after);
        END IF;
    END IF;
END
$carry$;

-- The request's `ticks` view, as 0005 showed it.
CREATE OR REPLACE VIEW market_data.ticks AS
SELECT t.time, i.exchange, i.symbol, market_data.to_numeric(t.price_units, t.price_scale) AS price,
       market_data.to_numeric(t.size_units, t.size_scale) AS volume,
       CASE t.side WHEN 'B' THEN 'B' WHEN 'S' THEN 'S' END::char(1) AS side,
       t.trade_id, market_data.received_at(t.time, t.received_after_us) AS received_at,
       coalesce(t.trade_ref, t.trade_uuid::text) AS trade_ref
FROM market_data.trades t
JOIN market_data.instruments i USING (instrument_id);

CREATE OR REPLACE PROCEDURE market_data.rebuild_latest_trades()
LANGUAGE sql AS $rebuild$
    TRUNCATE market_data.latest_trades;
    INSERT INTO market_data.latest_trades
    SELECT i.instrument_id, t.time, market_data.received_at(t.time, t.received_after_us),
           t.trade_id, coalesce(t.trade_ref, t.trade_uuid::text),
           market_data.to_numeric(t.price_units, t.price_scale),
           market_data.to_numeric(t.size_units, t.size_scale), t.side
    FROM market_data.instruments i
    CROSS JOIN LATERAL (
        SELECT * FROM market_data.trades x
        WHERE x.instrument_id = i.instrument_id
          AND x.time = (SELECT max(y.time) FROM market_data.trades y
                        WHERE y.instrument_id = i.instrument_id)
        ORDER BY aggregates.trade_order(x.time, x.trade_id, x.trade_uuid, x.trade_ref) DESC
        LIMIT 1) t;
$rebuild$;

UPDATE aggregates.levels SET select_list = $cols$
    first(market_data.to_numeric(price_units, price_scale),
          aggregates.trade_order(time, trade_id, trade_uuid, trade_ref)) AS open,
    max(market_data.to_numeric(price_units, price_scale)) AS high,
    min(market_data.to_numeric(price_units, price_scale)) AS low,
    last(market_data.to_numeric(price_units, price_scale),
         aggregates.trade_order(time, trade_id, trade_uuid, trade_ref)) AS close,
    sum(market_data.to_numeric(size_units, size_scale)) AS volume,
    sum(market_data.to_numeric(price_units, price_scale)
        * market_data.to_numeric(size_units, size_scale)) AS notional,
    sum(market_data.to_numeric(price_units, price_scale)
        * market_data.to_numeric(size_units, size_scale))
        / sum(market_data.to_numeric(size_units, size_scale)) AS vwap,
    count(*) AS trades,
    coalesce(sum(market_data.to_numeric(size_units, size_scale)) FILTER (WHERE side = 'B'), 0)
        AS buy_volume,
    coalesce(sum(market_data.to_numeric(size_units, size_scale)) FILTER (WHERE side = 'S'), 0)
        AS sell_volume$cols$
WHERE source = 'market_data.trades';

-- 0016's refresh with the order of trades over the new id columns.
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

-- What 0020 did, chunk by chunk: the same count and digest before and after each move.
CREATE TABLE audit.trade_conversion (
    chunk        text PRIMARY KEY,          -- the chunk of market_data.trades_numeric
    range_start  timestamptz NOT NULL,
    range_end    timestamptz NOT NULL,
    trades       bigint NOT NULL,
    digest       numeric NOT NULL,          -- the sum of every trade's 64-bit text hash
    seconds      double precision NOT NULL,
    converted_at timestamptz NOT NULL DEFAULT now()
);

-- Each trade as text in one form for both layouts, for the digest.
CREATE FUNCTION market_data.trade_text(at timestamptz, received_at timestamptz,
    instrument_id integer, id text, price numeric, size numeric, side "char") RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN format('%s|%s|%s|%s|%s|%s|%s', at, received_at, instrument_id, id, trim_scale(price),
              trim_scale(size), side);

-- TSL: the continuous aggregates move onto the new table. Their materialized bars are copied,
-- not recomputed: the trades of the oldest ones may be gone (retention), and recomputing years
-- of bars would take hours. The newest materialized bucket of each level is then recomputed
-- from the moved trades, which sets the new aggregate's watermark where the old one's was (a
-- refresh sets it from what it wrote). Everything up to those refreshes is one transaction. The
-- old policies are added to the new aggregates only after the refreshes, which would otherwise
-- collide with their jobs ("a concurrent refresh is already in progress").
CREATE TABLE audit.trade_conversion_levels (
    relation     text PRIMARY KEY,          -- a continuous aggregate moved onto the new table
    watermark    timestamptz,               -- the old one's, NULL when it had none
    bars_copied  bigint NOT NULL,
    policies     text[] NOT NULL,           -- the statements that give it the old one's policies
    refreshed_at timestamptz,               -- when its newest bucket was recomputed
    policies_at  timestamptz                -- when its policies were added
);

CREATE PROCEDURE aggregates.move_continuous_aggregates()
LANGUAGE plpgsql AS $move$
DECLARE
    level aggregates.levels;
    aside text;
    old_mat text;
    new_mat text;
    new_id integer;
    columns text;
    watermark timestamptz;
    copied bigint;
    statement text;
BEGIN
    IF EXISTS (SELECT FROM timescaledb_information.continuous_aggregates
               WHERE hypertable_schema = 'market_data' AND hypertable_name = 'trades_numeric')
    THEN
        DROP VIEW aggregates.ohlcv;
        FOR level IN SELECT * FROM aggregates.levels ORDER BY position LOOP
            aside := level.relation || '_numeric';
            EXECUTE format('ALTER MATERIALIZED VIEW %s RENAME TO %I', level.relation,
                           split_part(aside, '.', 2));
            EXECUTE format(
                'CREATE MATERIALIZED VIEW %s WITH (timescaledb.continuous, '
                'timescaledb.materialized_only = false) AS '
                'SELECT time_bucket(%L, %I) AS bucket, instrument_id, %s FROM %s '
                'GROUP BY 1, 2 WITH NO DATA',
                level.relation, level.bucket_width, level.source_time, level.select_list,
                level.source);
            SELECT format('%I.%I', h.schema_name, h.table_name) INTO old_mat
            FROM _timescaledb_catalog.continuous_agg c
            JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
            WHERE format('%s.%s', c.user_view_schema, c.user_view_name) = aside;
            SELECT format('%I.%I', h.schema_name, h.table_name), h.id INTO new_mat, new_id
            FROM _timescaledb_catalog.continuous_agg c
            JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
            WHERE format('%s.%s', c.user_view_schema, c.user_view_name) = level.relation;
            -- None when it never materialized a bar.
            EXECUTE format('SELECT CASE WHEN EXISTS (SELECT FROM %s) THEN '
                           '_timescaledb_functions.to_timestamp('
                           '_timescaledb_functions.cagg_watermark(%s)) END',
                           old_mat, (SELECT c.mat_hypertable_id
                                     FROM _timescaledb_catalog.continuous_agg c
                                     WHERE format('%s.%s', c.user_view_schema,
                                                  c.user_view_name) = aside))
            INTO watermark;
            SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
            FROM pg_attribute
            WHERE attrelid = new_mat::regclass AND attnum > 0 AND NOT attisdropped;
            copied := 0;
            IF watermark IS NOT NULL THEN
                EXECUTE format('INSERT INTO %s (%s) SELECT %2$s FROM %s WHERE bucket < %L',
                               new_mat, columns, old_mat, watermark - level.bucket_width);
                GET DIAGNOSTICS copied = ROW_COUNT;
                -- TimescaleDB starts an aggregate with all of time invalid, so the next refresh
                -- over the copied bars would recompute them, and delete those whose trades are
                -- gone. They are materialized: only what follows them stays invalid. TimescaleDB's
                -- catalog is its owner's (a superuser's) to write.
                BEGIN
                    RESET ROLE;
                    DELETE FROM
                        _timescaledb_catalog.continuous_aggs_materialization_invalidation_log
                    WHERE materialization_id = new_id;
                    INSERT INTO
                        _timescaledb_catalog.continuous_aggs_materialization_invalidation_log
                    VALUES (new_id,
                            _timescaledb_functions.time_to_internal(watermark - level.bucket_width),
                            9223372036854775807);
                    SET ROLE tickscope_admin;
                EXCEPTION WHEN insufficient_privilege THEN
                    RAISE WARNING 'trades: % keeps its % copied bars, but a refresh of it over '
                        'them would recompute them from the trades and lose those whose trades '
                        'are gone (% could not mark them materialized: %); run the migration '
                        'as a superuser to keep them safe', level.relation, copied, session_user,
                        SQLERRM;
                END;
            END IF;
            IF (SELECT compression_enabled FROM timescaledb_information.continuous_aggregates
                WHERE format('%s.%s', view_schema, view_name) = aside) THEN
                EXECUTE format('ALTER MATERIALIZED VIEW %s SET (timescaledb.compress)',
                               level.relation);
            END IF;
            INSERT INTO audit.trade_conversion_levels (relation, watermark, bars_copied, policies)
            SELECT level.relation, watermark, copied, coalesce(array_agg(
                       CASE WHEN j.proc_name = 'policy_compression'
                            THEN format('SELECT add_compression_policy(%L, compress_after => '
                                        '%L::interval)', level.relation,
                                        j.config->>'compress_after')
                            ELSE format('SELECT add_continuous_aggregate_policy(%L, '
                                        'start_offset => %L::interval, end_offset => '
                                        '%L::interval, schedule_interval => %L::interval)',
                                        level.relation, j.config->>'start_offset',
                                        j.config->>'end_offset', j.schedule_interval) END
                       ORDER BY j.proc_name) FILTER (WHERE j.job_id IS NOT NULL), '{}')
            FROM (SELECT 1) one
            LEFT JOIN timescaledb_information.jobs j
                   ON format('%s.%s', j.hypertable_schema, j.hypertable_name) = aside
                  AND j.proc_name IN ('policy_refresh_continuous_aggregate',
                                      'policy_compression');
        END LOOP;
        FOR level IN SELECT * FROM aggregates.levels ORDER BY position DESC LOOP
            EXECUTE format('DROP MATERIALIZED VIEW %s_numeric', level.relation);
        END LOOP;
        EXECUTE 'CREATE VIEW aggregates.ohlcv AS '
            || (SELECT string_agg(format(
                    'SELECT a.bucket AS time, i.exchange, i.symbol, %L::text AS interval, a.open, '
                    'a.high, a.low, a.close, a.volume, a.trades, a.vwap, a.buy_volume, '
                    'a.sell_volume, a.instrument_id FROM %s a '
                    'JOIN market_data.instruments i USING (instrument_id)', name, relation),
                    ' UNION ALL ' ORDER BY position)
                FROM aggregates.levels);
        COMMIT;
    END IF;
    -- The newest materialized bucket of each level, finest first.
    FOR level IN
        SELECT l.* FROM aggregates.levels l JOIN audit.trade_conversion_levels m USING (relation)
        WHERE m.watermark IS NOT NULL AND m.refreshed_at IS NULL ORDER BY l.position
    LOOP
        SELECT m.watermark INTO watermark FROM audit.trade_conversion_levels m
        WHERE m.relation = level.relation;
        CALL refresh_continuous_aggregate(level.relation::regclass,
                                          watermark - level.bucket_width, watermark);
        UPDATE audit.trade_conversion_levels SET refreshed_at = now()
        WHERE relation = level.relation;
        COMMIT;
    END LOOP;
    FOR level IN
        SELECT l.* FROM aggregates.levels l JOIN audit.trade_conversion_levels m USING (relation)
        WHERE m.policies_at IS NULL ORDER BY l.position
    LOOP
        FOR statement IN
            SELECT unnest(policies) FROM audit.trade_conversion_levels
            WHERE relation = level.relation
        LOOP
            EXECUTE statement;
        END LOOP;
        UPDATE audit.trade_conversion_levels SET policies_at = now()
        WHERE relation = level.relation;
        COMMIT;
    END LOOP;
END
$move$;

-- Moves the numeric layout's trades into market_data.trades a chunk at a time, each in its own
-- transaction with its count and digest checked and recorded in audit.trade_conversion, then
-- drops that chunk. A run that was stopped goes on from the first chunk not moved. Progress
-- comes as INFO messages, which `tickscope migrate` prints.
CREATE PROCEDURE market_data.convert_numeric_trades()
LANGUAGE plpgsql AS $convert$
DECLARE
    chunk record;
    total integer;
    done integer := 0;
    started timestamptz;
    before_count bigint;
    before_digest numeric;
    after_count bigint;
    after_digest numeric;
    unfit text;
    attempt integer;
BEGIN
    IF to_regclass('market_data.trades_numeric') IS NULL THEN
        RETURN;
    END IF;
    -- What it creates belongs to the schema's owner, as every migration's does; for the session
    -- (SET LOCAL would end at the first COMMIT).
    SET ROLE tickscope_admin;
    -- TSL: the continuous aggregates' jobs stop until the aggregates are moved. Run meanwhile,
    -- a refresh would recompute bars from a table whose chunks are going (and lose them), or
    -- take the locks of the move in another order (a deadlock). Unscheduled, and any run in
    -- progress waited for. (Relations compared as aggregates.levels writes them; %s, as jobs of
    -- no table have NULL names.)
    IF EXISTS (SELECT FROM timescaledb_information.continuous_aggregates
               WHERE hypertable_schema = 'market_data' AND hypertable_name = 'trades_numeric')
    THEN
        PERFORM alter_job(j.job_id, scheduled => false)
        FROM timescaledb_information.jobs j JOIN aggregates.levels l
          ON format('%s.%s', j.hypertable_schema, j.hypertable_name) = l.relation;
        COMMIT;
        FOR attempt IN 1..3000 LOOP
            EXIT WHEN NOT EXISTS (
                SELECT FROM timescaledb_information.job_stats s JOIN aggregates.levels l
                  ON format('%s.%s', s.hypertable_schema, s.hypertable_name) = l.relation
                WHERE s.job_status = 'Running');
            IF attempt = 3000 THEN
                RAISE EXCEPTION 'trades: a job of the continuous aggregates has been running for '
                    '5 minutes; the trades are converted once none runs (see '
                    'timescaledb_information.job_stats), run the migration again then';
            END IF;
            PERFORM pg_sleep(0.1);
        END LOOP;
    END IF;
    SELECT count(*) INTO total FROM timescaledb_information.chunks
    WHERE hypertable_schema = 'market_data' AND hypertable_name = 'trades_numeric';
    RAISE INFO 'trades: % chunk(s) to convert to the new layout', total;
    FOR chunk IN
        SELECT format('%I.%I', chunk_schema, chunk_name) AS name, range_start, range_end,
               is_compressed
        FROM timescaledb_information.chunks
        WHERE hypertable_schema = 'market_data' AND hypertable_name = 'trades_numeric'
        ORDER BY range_start
    LOOP
        started := clock_timestamp();
        -- Tickscope wrote what model::Decimal holds, as the new layout does; a value loaded
        -- around it may not fit. Said before anything of the chunk is moved.
        EXECUTE format(
            'SELECT format(''the trade %%s of instrument %%s at %%s has price %%s and size %%s'', '
            'coalesce(trade_id::text, trade_ref), instrument_id, time, price, size) FROM %s '
            'WHERE scale(trim_scale(price)) > 18 OR scale(trim_scale(size)) > 18 '
            'OR abs(trim_scale(price) * 10::numeric ^ scale(trim_scale(price))) '
            '   > 9223372036854775807 '
            'OR abs(trim_scale(size) * 10::numeric ^ scale(trim_scale(size))) '
            '   > 9223372036854775807 LIMIT 1', chunk.name)
        INTO unfit;
        IF unfit IS NOT NULL THEN
            RAISE EXCEPTION 'trades: chunk % cannot be converted: %, more than the new layout '
                'holds (18 digits after the point, 9223372036854775807 units); correct or '
                'delete that trade in market_data.trades_numeric and run the migration again '
                '(this run converted % of % chunks)', chunk.name, unfit, done, total;
        END IF;
        EXECUTE format(
            'SELECT count(*), coalesce(sum(hashtextextended(market_data.trade_text(time, '
            'received_at, instrument_id, coalesce(trade_id::text, trade_ref), price, size, '
            'side), 0)), 0) FROM %s', chunk.name)
        INTO before_count, before_digest;
        -- Each instrument's finest scale in the chunk, as the writer keeps it; a value whose
        -- units at that scale do not fit a bigint keeps its own.
        EXECUTE format($sql$
            WITH source AS (
                SELECT t.*, trim_scale(t.price) AS p, trim_scale(t.size) AS s,
                       max(scale(trim_scale(t.price))) OVER (PARTITION BY t.instrument_id)
                           AS price_scale,
                       max(scale(trim_scale(t.size))) OVER (PARTITION BY t.instrument_id)
                           AS size_scale
                FROM %s t),
            scaled AS (
                SELECT source.*,
                       CASE WHEN abs(p * 10::numeric ^ price_scale) <= 9223372036854775807
                            THEN price_scale ELSE scale(p) END AS ps,
                       CASE WHEN abs(s * 10::numeric ^ size_scale) <= 9223372036854775807
                            THEN size_scale ELSE scale(s) END AS ss
                FROM source),
            moved AS (
                INSERT INTO market_data.trades (time, received_after_us, instrument_id,
                    trade_id, trade_uuid, trade_ref, price_units, price_scale, size_units,
                    size_scale, side)
                SELECT time, (extract(epoch FROM received_at - time) * 1000000)::bigint,
                       instrument_id, trade_id,
                       CASE WHEN trade_ref ~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                            THEN trade_ref::uuid END,
                       CASE WHEN trade_ref !~ '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                            THEN trade_ref END,
                       (p * 10::numeric ^ ps)::bigint, ps, (s * 10::numeric ^ ss)::bigint, ss,
                       side
                FROM scaled
                RETURNING *)
            SELECT count(*), coalesce(sum(hashtextextended(market_data.trade_text(time,
                       market_data.received_at(time, received_after_us), instrument_id,
                       coalesce(trade_id::text, trade_uuid::text, trade_ref),
                       market_data.to_numeric(price_units, price_scale),
                       market_data.to_numeric(size_units, size_scale), side), 0)), 0)
            FROM moved$sql$, chunk.name)
        INTO after_count, after_digest;
        IF after_count <> before_count OR after_digest <> before_digest THEN
            RAISE EXCEPTION 'trades: converting chunk % would change it: % trades with digest % '
                'before, % with digest % after; nothing of this chunk was moved',
                chunk.name, before_count, before_digest, after_count, after_digest;
        END IF;
        INSERT INTO audit.trade_conversion (chunk, range_start, range_end, trades, digest,
                                            seconds)
        VALUES (chunk.name, chunk.range_start, chunk.range_end, before_count, before_digest,
                extract(epoch FROM clock_timestamp() - started));
        PERFORM drop_chunks('market_data.trades_numeric', older_than => chunk.range_end,
                            newer_than => chunk.range_start);
        COMMIT;
        -- Compressed again at once: a desk's history uncompressed would not fit on its disk.
        IF chunk.is_compressed THEN
            PERFORM compress_chunk(format('%I.%I', c.chunk_schema, c.chunk_name), true)
            FROM timescaledb_information.chunks c
            WHERE c.hypertable_schema = 'market_data' AND c.hypertable_name = 'trades'
              AND c.range_start >= chunk.range_start AND c.range_end <= chunk.range_end;
            COMMIT;
        END IF;
        done := done + 1;
        RAISE INFO 'trades: chunk % of % converted (% to %): % trades in % s', done, total,
            chunk.range_start, chunk.range_end, before_count,
            round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
    END LOOP;
    CALL aggregates.move_continuous_aggregates();
    DROP TABLE market_data.trades_numeric;
    DROP FUNCTION market_data.trade_text;
    COMMIT;
    RESET ROLE;
    RAISE INFO 'trades: every chunk converted; audit.trade_conversion lists them';
END
$convert$;
