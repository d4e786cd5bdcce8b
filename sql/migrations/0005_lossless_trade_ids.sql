-- Tickscope migration 0005: trade ids are stored exactly as the exchange sent them.
--
-- Binance's and Kraken's ids are integers that fit in a bigint, but Coinbase Advanced Trade and
-- Bybit send strings (UUIDs), and an unsigned 64-bit id can exceed 2^63 - 1. A hash of such an
-- id into a bigint (0002's plan) could make two trades one. So:
-- * trade_id (bigint) holds an id that is a canonical decimal integer fitting in a bigint, which
--   stays the compact, fast case and the one gap detection by id works on;
-- * trade_ref (text) holds every other id verbatim; exactly one of the two is set;
-- * the unique key deduplicates on both with NULLS NOT DISTINCT, so a replayed string id is a
--   duplicate exactly like a replayed numeric one.
SET LOCAL ROLE tickscope_admin;

ALTER TABLE market_data.trades ALTER COLUMN trade_id DROP NOT NULL;
ALTER TABLE market_data.trades ADD COLUMN trade_ref text;
ALTER TABLE market_data.trades ADD CONSTRAINT trades_one_trade_id
    CHECK (num_nonnulls(trade_id, trade_ref) = 1);
COMMENT ON COLUMN market_data.trades.trade_id IS
    'The exchange''s trade id when it is a decimal integer that fits in a bigint; else NULL.';
COMMENT ON COLUMN market_data.trades.trade_ref IS
    'The exchange''s trade id verbatim when it is not such an integer (UUIDs, ids above 2^63-1).';

DROP INDEX market_data.trades_instrument_time_trade_key;
CREATE UNIQUE INDEX trades_instrument_time_trade_key
    ON market_data.trades (instrument_id, time DESC, trade_id, trade_ref) NULLS NOT DISTINCT;

-- The request's `ticks` view keeps its bigint trade_id and shows the other ids beside it.
CREATE OR REPLACE VIEW market_data.ticks AS
SELECT t.time, i.exchange, i.symbol, t.price, t.size AS volume,
       CASE t.side WHEN 'B' THEN 'B' WHEN 'S' THEN 'S' END::char(1) AS side,
       t.trade_id, t.received_at, t.trade_ref
FROM market_data.trades t
JOIN market_data.instruments i USING (instrument_id);
