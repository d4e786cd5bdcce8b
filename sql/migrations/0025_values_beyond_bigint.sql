-- Tickscope migration 0025: a price or size of more significant digits than a bigint holds is
-- stored exactly, as numeric.
--
-- 0019 stores prices and sizes as bigint units with a scale, which TimescaleDB compresses well;
-- a value of more than 18 or 19 significant digits (a 20-digit price, the request's
-- NUMERIC(20, 8) at full width, a memecoin quantity with 8 decimals past 10^11) has no such
-- units, and until now the feed's parser refused it: the trade was counted malformed and not
-- stored. Such a value now goes to price_exact or size_exact, its units NULL; every other row
-- keeps NULL there, which costs nothing compressed. The constraints are NOT VALID: every row
-- written before has its units (they were NOT NULL), and validating would read (and decompress)
-- the whole history.
--
-- market_data.to_numeric(units, scale, exact) reads either; everything that reads prices and
-- sizes uses it.
SET LOCAL ROLE tickscope_admin;

ALTER TABLE market_data.trades ADD COLUMN price_exact numeric, ADD COLUMN size_exact numeric;
ALTER TABLE market_data.trades ALTER COLUMN price_units DROP NOT NULL,
                               ALTER COLUMN size_units DROP NOT NULL;
ALTER TABLE market_data.trades
    ADD CONSTRAINT trades_price_held_once CHECK (
        CASE WHEN price_units IS NULL THEN price_exact > 0 ELSE price_exact IS NULL END)
    NOT VALID,
    ADD CONSTRAINT trades_size_held_once CHECK (
        CASE WHEN size_units IS NULL THEN size_exact > 0 ELSE size_exact IS NULL END)
    NOT VALID;
COMMENT ON COLUMN market_data.trades.price_units IS
    'The price in units of 10^-price_scale, NULL when they do not fit a bigint (price_exact): '
    'market_data.to_numeric(price_units, price_scale, price_exact).';
COMMENT ON COLUMN market_data.trades.size_units IS
    'The size in units of 10^-size_scale, NULL when they do not fit a bigint (size_exact): '
    'market_data.to_numeric(size_units, size_scale, size_exact).';
COMMENT ON COLUMN market_data.trades.price_exact IS
    'The price when its units do not fit a bigint (more than 18 significant digits); else NULL.';
COMMENT ON COLUMN market_data.trades.size_exact IS
    'The size when its units do not fit a bigint (more than 18 significant digits); else NULL.';

CREATE FUNCTION market_data.to_numeric(units bigint, scale smallint, exact numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(market_data.to_numeric(units, scale), exact);

CREATE OR REPLACE VIEW market_data.ticks AS
SELECT t.time, i.exchange, i.symbol,
       market_data.to_numeric(t.price_units, t.price_scale, t.price_exact) AS price,
       market_data.to_numeric(t.size_units, t.size_scale, t.size_exact) AS volume,
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
           market_data.to_numeric(t.price_units, t.price_scale, t.price_exact),
           market_data.to_numeric(t.size_units, t.size_scale, t.size_exact), t.side
    FROM market_data.instruments i
    CROSS JOIN LATERAL (
        SELECT * FROM market_data.trades x
        WHERE x.instrument_id = i.instrument_id
          AND x.time = (SELECT max(y.time) FROM market_data.trades y
                        WHERE y.instrument_id = i.instrument_id)
        ORDER BY aggregates.trade_order(x.time, x.trade_id, x.trade_uuid, x.trade_ref) DESC
        LIMIT 1) t;
$rebuild$;

-- The finest level's sums from the trades (the refresh's recompute; the fold sums in the writer).
UPDATE aggregates.levels
SET select_list = replace(replace(select_list,
        'market_data.to_numeric(price_units, price_scale)',
        'market_data.to_numeric(price_units, price_scale, price_exact)'),
        'market_data.to_numeric(size_units, size_scale)',
        'market_data.to_numeric(size_units, size_scale, size_exact)')
WHERE source = 'market_data.trades';
