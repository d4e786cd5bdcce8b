-- Tickscope migration 0024: on the TSL edition the 1-minute continuous aggregate becomes the
-- folded table of 0023, and the levels above are made again over it.
--
-- Outside a transaction (the line below tells `tickscope migrate`): the procedure commits after
-- the conversion and after each level's refresh, so a migration that is stopped goes on from
-- there when it runs again. On the Apache edition it does nothing.
-- tickscope: outside a transaction
CALL aggregates.convert_finest_level();
