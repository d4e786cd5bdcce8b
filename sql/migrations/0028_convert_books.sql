-- Tickscope migration 0028: the books of 0002's layout move into 0027's, a chunk at a time.
--
-- Outside a transaction (the line below tells `tickscope migrate`): the procedure commits after
-- each chunk, so a migration that is stopped keeps what it moved and goes on from there when it
-- runs again, and it prints each chunk as it goes. audit.book_conversion lists every chunk with
-- its count and digest, which were the same before and after.
-- tickscope: outside a transaction
CALL market_data.convert_numeric_books();
