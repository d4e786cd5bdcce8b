-- Tickscope migration 0030: retention beside another retention run, and a compression job it
-- sees from the moment it is started.
--
-- Two runs of run_retention() at once (the scheduled job and `tickscope policies run`) each listed
-- the same chunks; when one dropped a chunk the other failed on it ("relation ... does not exist")
-- and the job's run was counted failed. A chunk that is gone now is one the other run dropped.
-- 0029 took a compression job for running only once its worker was active in pg_stat_activity;
-- TimescaleDB's scheduler marks a run started (bgw_job_stat.last_finish = -infinity) before it
-- launches the worker, so that mark is what retention reads now. And after 10 s of waiting a
-- chunk is left for the next run instead of being dropped under the job.
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
    compressing boolean;
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
            -- Running from the scheduler's mark, before the job's worker lists anything.
            compressing := true;
            FOR attempt IN 1..100 LOOP
                compressing := EXISTS (
                    SELECT FROM timescaledb_information.jobs j
                    JOIN _timescaledb_internal.bgw_job_stat s USING (job_id)
                    WHERE j.proc_name = 'policy_compression' AND s.last_finish = '-infinity'
                      AND j.hypertable_schema = 'market_data'
                      AND j.hypertable_name = setting.hypertable);
                EXIT WHEN NOT compressing;
                PERFORM pg_sleep(0.1);
            END LOOP;
            IF compressing THEN
                RAISE NOTICE 'retention: % is being compressed; it is left for the next run',
                    chunk.name;
                CONTINUE;
            END IF;
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
            EXCEPTION
                WHEN lock_not_available OR deadlock_detected THEN
                    RAISE NOTICE 'retention: % is in use; it is left for the next run',
                        chunk.name;
                WHEN undefined_table THEN
                    -- Dropped by a run beside this one, which recorded it.
                    NULL;
            END;
            COMMIT;
        END LOOP;
    END LOOP;
END
$retention$;
