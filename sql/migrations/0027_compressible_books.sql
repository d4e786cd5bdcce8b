-- Tickscope migration 0027: order books in a layout that TimescaleDB compresses better (issue 27).
--
-- Measured on the real TSL server (docs/performance.md, "A layout TimescaleDB compresses well"):
-- a book delta of 2.4 levels took 33.5 bytes compressed with 0002's numeric[] arrays and 29.5
-- with the same arrays as bigint units; at 14 levels an event 114.2 against 96.4. TimescaleDB
-- stores arrays as they are under PostgreSQL's own LZ either way, but units are half the bytes
-- of numerics and repeat more. A row a level compressed a little better with few levels an event
-- and worse with many, and would multiply the rows every rebuild reads; arrays stay.
-- * prices and sizes as bigint[] of units with one scale each a row (value = units x 10^-scale):
--   the writer uses the instrument's finest scale so far, as for trades, so one instrument's
--   units move by whole ticks, and a tick size that changes needs no rewrite;
-- * a row with a value whose units do not fit a bigint (more than 18 significant digits) keeps
--   its levels as numeric[] in the *_exact columns instead, its units and scales NULL;
-- * the receive time as microseconds after the exchange's time.
-- market_data.to_numeric(units, scale, exact) reads the levels of either kind back as numeric[],
-- as 0002's tables held them (Tickscope wrote every value without trailing zeros). The old tables
-- are set aside as market_data.book_deltas_numeric and book_snapshots_numeric; 0028 moves their
-- rows chunk by chunk, each chunk verified by count and digest.
SET LOCAL ROLE tickscope_admin;

CREATE FUNCTION market_data.to_numeric(units bigint[], scale smallint, exact numeric[])
RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(exact, ARRAY(SELECT market_data.to_numeric(u, scale)
                             FROM unnest(units) WITH ORDINALITY AS l(u, n) ORDER BY n));

-- A row's levels are held once: as units with both scales, or as numerics without them; and
-- each side has as many sizes as prices.
CREATE FUNCTION market_data.book_levels_valid(price_scale smallint, size_scale smallint,
    bid_price_units bigint[], bid_size_units bigint[], ask_price_units bigint[],
    ask_size_units bigint[], bid_prices_exact numeric[], bid_sizes_exact numeric[],
    ask_prices_exact numeric[], ask_sizes_exact numeric[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN price_scale IS NULL
            THEN num_nonnulls(size_scale, bid_price_units, bid_size_units, ask_price_units,
                              ask_size_units) = 0
                 AND num_nulls(bid_prices_exact, bid_sizes_exact, ask_prices_exact,
                               ask_sizes_exact) = 0
                 AND cardinality(bid_prices_exact) = cardinality(bid_sizes_exact)
                 AND cardinality(ask_prices_exact) = cardinality(ask_sizes_exact)
            ELSE num_nulls(size_scale, bid_price_units, bid_size_units, ask_price_units,
                           ask_size_units) = 0
                 AND num_nonnulls(bid_prices_exact, bid_sizes_exact, ask_prices_exact,
                                  ask_sizes_exact) = 0
                 AND cardinality(bid_price_units) = cardinality(bid_size_units)
                 AND cardinality(ask_price_units) = cardinality(ask_size_units) END;

ALTER TABLE market_data.book_deltas RENAME TO book_deltas_numeric;
ALTER INDEX market_data.book_deltas_instrument_time_sequence_key
    RENAME TO book_deltas_numeric_key;
ALTER TABLE market_data.book_snapshots RENAME TO book_snapshots_numeric;
ALTER INDEX market_data.book_snapshots_instrument_time_sequence_key
    RENAME TO book_snapshots_numeric_key;

CREATE TABLE market_data.book_snapshots (
    time              timestamptz NOT NULL,   -- the exchange's time of the snapshot
    received_after_us bigint NOT NULL,        -- when Tickscope received it, after `time`
    instrument_id     integer NOT NULL,
    sequence          bigint NOT NULL,        -- the exchange's update id it is valid at
    price_scale       smallint CHECK (price_scale BETWEEN 0 AND 18),
    size_scale        smallint CHECK (size_scale BETWEEN 0 AND 18),
    bid_price_units   bigint[],               -- best first
    bid_size_units    bigint[],
    ask_price_units   bigint[],
    ask_size_units    bigint[],
    bid_prices_exact  numeric[],
    bid_sizes_exact   numeric[],
    ask_prices_exact  numeric[],
    ask_sizes_exact   numeric[],
    CONSTRAINT book_snapshots_levels CHECK (market_data.book_levels_valid(price_scale, size_scale,
        bid_price_units, bid_size_units, ask_price_units, ask_size_units, bid_prices_exact,
        bid_sizes_exact, ask_prices_exact, ask_sizes_exact))
);

CREATE TABLE market_data.book_deltas (
    time              timestamptz NOT NULL,
    received_after_us bigint NOT NULL,
    instrument_id     integer NOT NULL,
    first_sequence    bigint NOT NULL,        -- first update id covered by this event
    sequence          bigint NOT NULL,        -- last update id covered by this event
    price_scale       smallint CHECK (price_scale BETWEEN 0 AND 18),
    size_scale        smallint CHECK (size_scale BETWEEN 0 AND 18),
    bid_price_units   bigint[],               -- levels that changed; size 0 removes the level
    bid_size_units    bigint[],
    ask_price_units   bigint[],
    ask_size_units    bigint[],
    bid_prices_exact  numeric[],
    bid_sizes_exact   numeric[],
    ask_prices_exact  numeric[],
    ask_sizes_exact   numeric[],
    CHECK (first_sequence <= sequence),
    CONSTRAINT book_deltas_levels CHECK (market_data.book_levels_valid(price_scale, size_scale,
        bid_price_units, bid_size_units, ask_price_units, ask_size_units, bid_prices_exact,
        bid_sizes_exact, ask_prices_exact, ask_sizes_exact))
);

-- Each new table a hypertable of its old one's chunk interval, with its privileges, compression
-- settings and compression policy.
CREATE FUNCTION market_data.take_over_book_table(name text) RETURNS void
LANGUAGE plpgsql AS $take$
DECLARE
    granted record;
    compress_after interval;
    without_bloom boolean;
BEGIN
    PERFORM create_hypertable(format('market_data.%I', name),
        by_range('time', (SELECT d.time_interval FROM timescaledb_information.dimensions d
                          WHERE d.hypertable_schema = 'market_data'
                            AND d.hypertable_name = name || '_numeric'
                            AND d.column_name = 'time')),
        create_default_indexes => false);
    EXECUTE format('CREATE UNIQUE INDEX %I ON market_data.%I (instrument_id, time DESC, sequence)',
                   name || '_instrument_time_sequence_key', name);
    FOR granted IN
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
               a.privilege_type
        FROM pg_class c CROSS JOIN aclexplode(c.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = format('market_data.%I', name || '_numeric')::regclass
          AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON market_data.%I TO %s', granted.privilege_type, name,
                       granted.grantee);
    END LOOP;
    IF NOT EXISTS (SELECT FROM timescaledb_information.hypertables
                   WHERE hypertable_schema = 'market_data'
                     AND hypertable_name = name || '_numeric' AND compression_enabled) THEN
        RETURN;
    END IF;
    -- Only TimescaleDB's TSL edition compresses; its catalog has the index column. (Its view
    -- casts every hypertable's name to regclass, which fails on a schema this role cannot use.)
    EXECUTE 'SELECT coalesce(index @> ''[{"source": "config"}]'' '
            'AND NOT index @> ''[{"type": "bloom"}]'', false) '
            'FROM _timescaledb_catalog.compression_settings WHERE relid = $1::regclass'
        INTO without_bloom USING format('market_data.%I', name || '_numeric');
    EXECUTE format('ALTER TABLE market_data.%I SET (timescaledb.compress, '
                   'timescaledb.compress_segmentby = ''instrument_id'', '
                   'timescaledb.compress_orderby = ''time DESC, sequence''%s)', name,
                   CASE WHEN without_bloom THEN ', timescaledb.compress_index = ''''' END);
    SELECT (config->>'compress_after')::interval INTO compress_after
    FROM timescaledb_information.jobs
    WHERE proc_name = 'policy_compression' AND hypertable_schema = 'market_data'
      AND hypertable_name = name || '_numeric';
    IF compress_after IS NOT NULL THEN
        PERFORM remove_compression_policy(format('market_data.%I', name || '_numeric'));
        PERFORM add_compression_policy(format('market_data.%I', name), compress_after);
    END IF;
END
$take$;
SELECT market_data.take_over_book_table('book_snapshots');
SELECT market_data.take_over_book_table('book_deltas');
DROP FUNCTION market_data.take_over_book_table;

-- What 0028 did, chunk by chunk: the same count and digest before and after each move.
CREATE TABLE audit.book_conversion (
    chunk        text PRIMARY KEY,          -- the chunk of book_deltas_numeric or _snapshots_numeric
    hypertable   text NOT NULL,             -- book_deltas or book_snapshots
    range_start  timestamptz NOT NULL,
    range_end    timestamptz NOT NULL,
    events       bigint NOT NULL,
    digest       numeric NOT NULL,          -- the sum of every event's 64-bit text hash
    seconds      double precision NOT NULL,
    converted_at timestamptz NOT NULL DEFAULT now()
);

-- Each event's 64-bit hash, the same for both layouts: numeric's own hash is equal for equal
-- values (0.50000 and 0.5), as the conversion keeps values, not their trailing zeros.
CREATE FUNCTION market_data.book_hash(at timestamptz, received_at timestamptz,
    instrument_id integer, first_sequence bigint, sequence bigint, bid_prices numeric[],
    bid_sizes numeric[], ask_prices numeric[], ask_sizes numeric[]) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN hashtextextended(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', at, received_at, instrument_id,
                               first_sequence, sequence, hash_array_extended(bid_prices, 0),
                               hash_array_extended(bid_sizes, 0),
                               hash_array_extended(ask_prices, 0),
                               hash_array_extended(ask_sizes, 0)), 0);

-- 10^at_scale for 0 <= at_scale <= 18, NULL above: a constant array, as numeric's power costs
-- more than the rest of a row's conversion. And whether values of at most `largest` in
-- magnitude have bigint units at `at_scale`.
CREATE FUNCTION market_data.units_factor(at_scale integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, '
        '10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, '
        '1000000000000000, 10000000000000000, 100000000000000000, '
        '1000000000000000000}'::numeric[])[at_scale + 1];
CREATE FUNCTION market_data.units_fit(largest numeric, at_scale integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN largest * market_data.units_factor(at_scale) <= 9223372036854775807;

CREATE PROCEDURE market_data.convert_numeric_books()
LANGUAGE plpgsql AS $convert$
DECLARE
    book record;
    chunk record;
    total integer;
    done integer;
    started timestamptz;
    before_count bigint;
    before_digest numeric;
    after_count bigint;
    after_digest numeric;
    -- Spelled out in the statement: PostgreSQL inlines no SQL function that holds a subquery,
    -- and calling one a level array costs more than the rest of the move together.
    units text := 'CASE WHEN f.ps IS NOT NULL THEN ARRAY(SELECT (v * f.%2$s)::bigint '
                  'FROM unnest(%1$s) WITH ORDINALITY AS l(v, n) ORDER BY n) END';
    numerics text := 'coalesce(%3$s, ARRAY(SELECT market_data.to_numeric(u, %2$s) '
                     'FROM unnest(%1$s) WITH ORDINALITY AS l(u, n) ORDER BY n))';
BEGIN
    -- What it creates belongs to the schema's owner, as every migration's does; for the session
    -- (SET LOCAL would end at the first COMMIT).
    SET ROLE tickscope_admin;
    FOR book IN
        SELECT * FROM (VALUES ('book_snapshots', 'NULL::bigint', ''),
                              ('book_deltas', 'first_sequence', 'first_sequence, '))
                      AS b(name, first_sequence, first_sequence_column)
        WHERE to_regclass(format('market_data.%I', b.name || '_numeric')) IS NOT NULL
    LOOP
        SELECT count(*) INTO total FROM timescaledb_information.chunks
        WHERE hypertable_schema = 'market_data' AND hypertable_name = book.name || '_numeric';
        RAISE INFO '%: % chunk(s) to convert to the new layout', book.name, total;
        done := 0;
        FOR chunk IN
            SELECT format('%I.%I', chunk_schema, chunk_name) AS name, range_start, range_end,
                   is_compressed
            FROM timescaledb_information.chunks
            WHERE hypertable_schema = 'market_data' AND hypertable_name = book.name || '_numeric'
            ORDER BY range_start
        LOOP
            started := clock_timestamp();
            EXECUTE format(
                'SELECT count(*), coalesce(sum(market_data.book_hash(time, received_at, '
                'instrument_id, %s, sequence, bid_prices, bid_sizes, ask_prices, ask_sizes)), 0) '
                'FROM %s', book.first_sequence, chunk.name)
            INTO before_count, before_digest;
            -- Each instrument's finest scale in the chunk, as the writer keeps it; a row whose
            -- units would not fit at it keeps its own, or else its numerics.
            EXECUTE format($sql$
                WITH source AS (
                    SELECT o.*, p.own AS price_own, p.largest AS price_largest,
                           z.own AS size_own, z.largest AS size_largest,
                           max(p.own) OVER w AS price_finest, max(z.own) OVER w AS size_finest
                    FROM %1$s o
                    CROSS JOIN LATERAL (
                        SELECT coalesce(max(scale(trim_scale(v))), 0) AS own,
                               coalesce(max(abs(v)), 0) AS largest
                        FROM unnest(o.bid_prices || o.ask_prices) v) p
                    CROSS JOIN LATERAL (
                        SELECT coalesce(max(scale(trim_scale(v))), 0) AS own,
                               coalesce(max(abs(v)), 0) AS largest
                        FROM unnest(o.bid_sizes || o.ask_sizes) v) z
                    WINDOW w AS (PARTITION BY o.instrument_id)),
                scaled AS (
                    SELECT source.*,
                           CASE WHEN market_data.units_fit(price_largest, price_finest)
                                THEN price_finest
                                WHEN market_data.units_fit(price_largest, price_own)
                                THEN price_own END::smallint AS ps,
                           CASE WHEN market_data.units_fit(size_largest, size_finest)
                                THEN size_finest
                                WHEN market_data.units_fit(size_largest, size_own)
                                THEN size_own END::smallint AS ss
                    FROM source),
                moved AS (
                    INSERT INTO market_data.%2$I (time, received_after_us, instrument_id, %3$s
                        sequence, price_scale, size_scale, bid_price_units, bid_size_units,
                        ask_price_units, ask_size_units, bid_prices_exact, bid_sizes_exact,
                        ask_prices_exact, ask_sizes_exact)
                    SELECT time, (extract(epoch FROM received_at - time) * 1000000)::bigint,
                           instrument_id, %3$s sequence, f.ps, f.ss,
                           %5$s, %6$s, %7$s, %8$s,
                           CASE WHEN f.ps IS NULL THEN bid_prices END,
                           CASE WHEN f.ps IS NULL THEN bid_sizes END,
                           CASE WHEN f.ps IS NULL THEN ask_prices END,
                           CASE WHEN f.ps IS NULL THEN ask_sizes END
                    FROM scaled
                    CROSS JOIN LATERAL (
                        SELECT CASE WHEN ss IS NOT NULL THEN ps END AS ps,
                               CASE WHEN ps IS NOT NULL THEN ss END AS ss,
                               market_data.units_factor(ps) AS price_factor,
                               market_data.units_factor(ss) AS size_factor) f
                    RETURNING *)
                SELECT count(*), coalesce(sum(market_data.book_hash(time,
                           market_data.received_at(time, received_after_us), instrument_id,
                           %4$s, sequence, %9$s, %10$s, %11$s, %12$s)), 0)
                FROM moved$sql$, chunk.name, book.name, book.first_sequence_column,
                book.first_sequence, format(units, 'bid_prices', 'price_factor'),
                format(units, 'bid_sizes', 'size_factor'),
                format(units, 'ask_prices', 'price_factor'),
                format(units, 'ask_sizes', 'size_factor'),
                format(numerics, 'bid_price_units', 'price_scale', 'bid_prices_exact'),
                format(numerics, 'bid_size_units', 'size_scale', 'bid_sizes_exact'),
                format(numerics, 'ask_price_units', 'price_scale', 'ask_prices_exact'),
                format(numerics, 'ask_size_units', 'size_scale', 'ask_sizes_exact'))
            INTO after_count, after_digest;
            IF after_count <> before_count OR after_digest <> before_digest THEN
                RAISE EXCEPTION '%: converting chunk % would change it: % events with digest % '
                    'before, % with digest % after; nothing of this chunk was moved',
                    book.name, chunk.name, before_count, before_digest, after_count,
                    after_digest;
            END IF;
            INSERT INTO audit.book_conversion (chunk, hypertable, range_start, range_end, events,
                                               digest, seconds)
            VALUES (chunk.name, book.name, chunk.range_start, chunk.range_end, before_count,
                    before_digest, extract(epoch FROM clock_timestamp() - started));
            PERFORM drop_chunks(format('market_data.%I', book.name || '_numeric'),
                                older_than => chunk.range_end, newer_than => chunk.range_start);
            COMMIT;
            -- Compressed again at once: a desk's history uncompressed would not fit on its disk.
            IF chunk.is_compressed THEN
                PERFORM compress_chunk(format('%I.%I', c.chunk_schema, c.chunk_name), true)
                FROM timescaledb_information.chunks c
                WHERE c.hypertable_schema = 'market_data' AND c.hypertable_name = book.name
                  AND c.range_start >= chunk.range_start AND c.range_end <= chunk.range_end;
                COMMIT;
            END IF;
            done := done + 1;
            RAISE INFO '%: chunk % of % converted (% to %): % events in % s', book.name, done,
                total, chunk.range_start, chunk.range_end, before_count,
                round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
        END LOOP;
        EXECUTE format('DROP TABLE market_data.%I', book.name || '_numeric');
        COMMIT;
    END LOOP;
    IF to_regproc('market_data.book_hash') IS NOT NULL THEN
        DROP FUNCTION market_data.book_hash;
        DROP FUNCTION market_data.units_fit;
        DROP FUNCTION market_data.units_factor;
        COMMIT;
    END IF;
    RESET ROLE;
    RAISE INFO 'books: every chunk converted; audit.book_conversion lists them';
END
$convert$;
