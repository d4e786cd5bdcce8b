-- Tickscope migration 0029: retention locks a chunk once, with everything it needs, before it
-- reads it.
--
-- 0026's run_retention() read a chunk (the check for held instruments) and then deleted from it
-- or dropped it: a lock taken, then raised. TimescaleDB's compression job does the same the
-- other way round on a chunk it compresses, and the two closed a cycle that PostgreSQL's deadlock
-- detector broke by failing one of them (test_policies on the TSL edition, 2 of 6 runs: the
-- compression job counted failed, or retention). And a chunk the compression job had listed and
-- retention then dropped failed the job's run. Now retention waits (at most 10 s a chunk) while
-- the compression job of the chunk's table runs, then takes the chunk's ACCESS EXCLUSIVE lock
-- first, waiting at most half a second as before (a chunk in use is left for the next run); a
-- deadlock that happens anyway leaves the chunk for the next run too.
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
    attempt integer;
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
            -- TimescaleDB's compression job lists its chunks first and compresses them one by
            -- one: a chunk dropped meanwhile fails its run. So not while it runs on this table.
            FOR attempt IN 1..100 LOOP
                EXIT WHEN NOT EXISTS (
                    SELECT FROM timescaledb_information.job_stats s
                    JOIN timescaledb_information.jobs j ON j.job_id = s.job_id
                    WHERE j.proc_name = 'policy_compression' AND s.job_status = 'Running'
                      AND j.hypertable_schema = 'market_data'
                      AND j.hypertable_name = setting.hypertable);
                PERFORM pg_sleep(0.1);
            END LOOP;
            BEGIN
                PERFORM set_config('lock_timeout', '500ms', true);
                -- Every lock this chunk needs, before anything reads it: a lock raised later
                -- waits holding a weaker one, which closed a cycle with the compression job.
                EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', chunk.name);
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
            EXCEPTION WHEN lock_not_available OR deadlock_detected THEN
                RAISE NOTICE 'retention: % is in use; it is left for the next run', chunk.name;
            END;
            COMMIT;
        END LOOP;
    END LOOP;
END
$retention$;
