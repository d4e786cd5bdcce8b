-- Tickscope migration 0026: retention takes one chunk at a time, and never waits long for one.
--
-- 0018's run_retention() dropped and pruned every chunk past drop_after in one transaction, so
-- it held the lock of each chunk it had dropped until its end. A query reading the trades (the
-- console, the API, an export) that held one chunk and waited for another could then close a
-- cycle with it: PostgreSQL's deadlock detector failed one of the two (seen in test_policies_live,
-- the reader or the retention job in turn). Now each chunk is committed on its own, so retention
-- holds one chunk's lock at a time, and it waits at most half a second for it (below the
-- detector's one second): a chunk in use is left for the next run, which says so. A drop is
-- recorded only when this run made it (a scheduled run and `tickscope policies run` may meet).
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
            BEGIN
                PERFORM set_config('lock_timeout', '500ms', true);
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
                    -- Recorded only when dropped here: a run beside this one may have done it.
                    SELECT count(*) INTO deleted
                    FROM drop_chunks(format('market_data.%I', setting.hypertable)::regclass,
                                     older_than => chunk.range_end,
                                     newer_than => chunk.range_start);
                END IF;
                IF NOT held_here AND deleted > 0 THEN
                    INSERT INTO audit.operator_actions (action, target, detail, outcome)
                    VALUES ('retention.drop_chunk', chunk.name,
                            jsonb_build_object('hypertable', setting.hypertable,
                                               'range_start', chunk.range_start,
                                               'range_end', chunk.range_end,
                                               'drop_after', setting.drop_after::text),
                            'succeeded');
                ELSIF held_here THEN
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
            EXCEPTION WHEN lock_not_available THEN
                RAISE NOTICE 'retention: % is in use; it is left for the next run', chunk.name;
            END;
            COMMIT;
        END LOOP;
    END LOOP;
END
$retention$;
