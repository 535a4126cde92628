-- The list in force is computed from the published batches (0026 copied
-- the old list's entries into its first batch); the old table is dead.
DROP TABLE list_entries;
