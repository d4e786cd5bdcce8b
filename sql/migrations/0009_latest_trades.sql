-- Tickscope migration 0009: the latest trade of every instrument, kept by the writer.
--
-- "The latest trade of every symbol" is the desk's most frequent question (console, query API).
-- Asked of the hypertable it is one index probe per instrument plus the planning of a query over
-- every chunk: 0.5 ms p50 and 1-1.4 ms p99 for 50 instruments (docs/performance.md). Here it is
-- a read of one small table. The writer updates it in each batch's transaction, only forward in
-- (time, trade id) order, so replays and backfills of older trades leave it as it is.
SET LOCAL ROLE tickscope_admin;

CREATE TABLE market_data.latest_trades (
    instrument_id integer PRIMARY KEY REFERENCES market_data.instruments,
    time          timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    trade_id      bigint,
    trade_ref     text,
    price         numeric NOT NULL,
    size          numeric NOT NULL,
    side          "char" NOT NULL
);

-- Rebuilt from the trades (for this migration, and after rows were loaded around the writer).
CREATE PROCEDURE market_data.rebuild_latest_trades()
LANGUAGE sql AS $rebuild$
    TRUNCATE market_data.latest_trades;
    INSERT INTO market_data.latest_trades
    SELECT i.instrument_id, t.time, t.received_at, t.trade_id, t.trade_ref, t.price, t.size,
           t.side
    FROM market_data.instruments i
    CROSS JOIN LATERAL (
        SELECT * FROM market_data.trades x
        WHERE x.instrument_id = i.instrument_id
          AND x.time = (SELECT max(y.time) FROM market_data.trades y
                        WHERE y.instrument_id = i.instrument_id)
        ORDER BY aggregates.trade_order(x.time, x.trade_id, x.trade_ref) DESC LIMIT 1) t;
$rebuild$;

CALL market_data.rebuild_latest_trades();

GRANT SELECT, INSERT, UPDATE ON market_data.latest_trades TO tickscope_ingest;
