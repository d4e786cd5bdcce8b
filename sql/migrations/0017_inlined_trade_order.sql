-- Tickscope migration 0017: aggregates.trade_order() is inlined into the queries that use it.
--
-- 0006's body called extract() on a timestamptz and convert_to(), both STABLE, so PostgreSQL
-- could not inline this IMMUTABLE function and called it as a function twice a trade: 17.4 of
-- the 20.7 s that the finest level's select list took over 3,000,000 trades (a minute at 50,000
-- trades/s), and so most of every refresh of the 1-minute bars on both editions. The same bytes
-- from IMMUTABLE parts only: the time taken in UTC, and a text id's UTF-8 bytes through
-- decode(..., 'escape') with its backslashes doubled (the database is UTF-8, so convert_to gave
-- the text's own bytes). The select list then takes 6.0 s. Nothing stored changes: the order
-- keys of 0016 are the same bytes.
SET LOCAL ROLE tickscope_admin;

CREATE OR REPLACE FUNCTION aggregates.trade_order(at timestamptz, id bigint, ref text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN int8send((extract(epoch FROM at AT TIME ZONE 'UTC') * 1000000)::bigint # (-9223372036854775808))
    || CASE WHEN id IS NOT NULL THEN '\x00'::bytea || int8send(id # (-9223372036854775808))
            ELSE '\x01'::bytea || decode(replace(ref, '\', '\\'), 'escape') END;
