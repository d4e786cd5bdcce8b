-- Tickscope migration 0012: backfill by time resumes after a restart.
--
-- Kraken's trade history pages by time, not by id, so a trade-id gap still open when the ingestor
-- starts is fetched from the time of the last trade before it (gap_start). The ingest role reads
-- that column as well as the ones 0003 and 0011 granted.
SET LOCAL ROLE tickscope_admin;

GRANT SELECT (gap_start) ON audit.gaps TO tickscope_ingest;
