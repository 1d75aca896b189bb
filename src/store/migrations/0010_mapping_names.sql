-- 0010: a mapping is named after the two controls it links ("A.9.2.1 -> 5.16, subset"), so
-- that a control's page lists its equivalents readably.
ALTER TABLE control_mappings ADD COLUMN name TEXT;
