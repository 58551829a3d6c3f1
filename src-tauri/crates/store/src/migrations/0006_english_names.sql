-- 0006: a counter's English name, for the pages and reports read in English
-- (empty: they say “Counter 3”).
ALTER TABLE counters ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
