-- Tickscope migration 0011: the ingestor closes book gaps.
--
-- When a snapshot rebuilds an instrument's book, the writer marks that book's earlier gaps
-- (book_sequence, checksum) unrecoverable: no exchange keeps a history of book updates. Its
-- UPDATE finds them by their end and appends to their note, so the ingest role reads those two
-- columns as well as the ones 0003 granted.
SET LOCAL ROLE tickscope_admin;

GRANT SELECT (gap_end, note) ON audit.gaps TO tickscope_ingest;
