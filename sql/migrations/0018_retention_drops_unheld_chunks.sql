-- Tickscope migration 0018: retention drops every chunk that holds no held instrument's rows.
--
-- 0007 asked whether a hold covered the chunk's time, not whether the chunk held that
-- instrument's rows: once any hold existed, every chunk past drop_after had its unheld rows
-- deleted and stayed, empty, for ever, instead of being dropped (found when retention first ran
-- by itself beside a live stream on the TSL server: the chunk of an unheld symbol alone was
-- pruned, not dropped). Now a chunk is dropped unless a covered instrument has a row in it, which
-- the unique index (instrument first; the segment-by column once compressed) answers at once.
SET LOCAL ROLE tickscope_admin;

CREATE OR REPLACE PROCEDURE market_data.run_retention(job_id integer DEFAULT NULL,
                                                      config jsonb DEFAULT NULL)
LANGUAGE plpgsql AS $retention$
DECLARE
    setting market_data.retention_settings;
    chunk record;
    unheld integer[];
    held integer[];
    held_here boolean;
    deleted bigint;
BEGIN
    FOR setting IN SELECT * FROM market_data.retention_settings ORDER BY hypertable LOOP
        FOR chunk IN
            SELECT format('%I.%I', c.chunk_schema, c.chunk_name) AS name, c.range_start,
                   c.range_end
            FROM timescaledb_information.chunks c
            WHERE c.hypertable_schema = 'market_data' AND c.hypertable_name = setting.hypertable
              AND c.range_end <= now() - setting.drop_after
            ORDER BY c.range_start
        LOOP
            -- The instruments whose hold covers this chunk's time, and the others.
            SELECT array_agg(i.instrument_id) FILTER (WHERE NOT coalesce(hold.covers, false)),
                   array_agg(i.instrument_id) FILTER (WHERE hold.covers)
            INTO unheld, held
            FROM market_data.instruments i
            LEFT JOIN LATERAL (
                SELECT now() - max(h.keep_for) < chunk.range_end AS covers
                FROM market_data.compliance_holds h
                WHERE h.exchange = i.exchange AND (h.symbol IS NULL OR h.symbol = i.symbol)
            ) hold ON true;
            held_here := false;
            IF held IS NOT NULL THEN
                EXECUTE format('SELECT EXISTS (SELECT FROM %s WHERE instrument_id = ANY ($1))',
                               chunk.name)
                INTO held_here USING held;
            END IF;

            IF NOT held_here THEN
                PERFORM drop_chunks(format('market_data.%I', setting.hypertable)::regclass,
                                    older_than => chunk.range_end,
                                    newer_than => chunk.range_start);
                INSERT INTO audit.operator_actions (action, target, detail, outcome)
                VALUES ('retention.drop_chunk', chunk.name,
                        jsonb_build_object('hypertable', setting.hypertable,
                                           'range_start', chunk.range_start,
                                           'range_end', chunk.range_end,
                                           'drop_after', setting.drop_after::text),
                        'succeeded');
            ELSE
                -- By instrument, so the unique index finds the rows (or that none are left).
                EXECUTE format('DELETE FROM %s WHERE instrument_id = ANY ($1)', chunk.name)
                    USING unheld;
                GET DIAGNOSTICS deleted = ROW_COUNT;
                IF deleted > 0 THEN
                    INSERT INTO audit.operator_actions (action, target, detail, outcome)
                    VALUES ('retention.prune_chunk', chunk.name,
                            jsonb_build_object('hypertable', setting.hypertable,
                                               'range_start', chunk.range_start,
                                               'range_end', chunk.range_end,
                                               'drop_after', setting.drop_after::text,
                                               'rows_deleted', deleted,
                                               'held_instruments', cardinality(held)),
                            'succeeded');
                END IF;
            END IF;
        END LOOP;
    END LOOP;
END
$retention$;
