-- Tickscope migration 0021: aggregates.trade_order() takes a trade's time without numeric.
--
-- 0017's body turned the time into microseconds with extract(epoch ...), which returns numeric
-- since PostgreSQL 14: a numeric made, multiplied and cast back to bigint twice a trade (the open
-- and the close) in every refresh of the 1-minute bars, which on the TSL edition is TimescaleDB's
-- refresh of the continuous aggregate over every trade. TimescaleDB's own
-- _timescaledb_functions.to_unix_microseconds() (C, IMMUTABLE, in both editions) gives the same
-- bigint. The bytes are the same as 0017's for every time a trade can have, so the order keys
-- stored with the bars (0016) stay valid and nothing is rewritten.
SET LOCAL ROLE tickscope_admin;

CREATE OR REPLACE FUNCTION aggregates.trade_order(at timestamptz, id bigint, ref text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN int8send(_timescaledb_functions.to_unix_microseconds(at) # (-9223372036854775808))
    || CASE WHEN id IS NOT NULL THEN '\x00'::bytea || int8send(id # (-9223372036854775808))
            ELSE '\x01'::bytea || decode(replace(ref, '\', '\\'), 'escape') END;
