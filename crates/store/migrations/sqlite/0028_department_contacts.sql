-- Who to call at a department (the training manuals print it with the
-- deciding department): a contact desk and its phone. Expand only: an
-- older binary ignores the columns.
ALTER TABLE departments ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN contact TEXT NOT NULL DEFAULT '';
