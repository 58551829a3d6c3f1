-- 0007: each ticket leg keeps its service's targets as they were when it was
-- issued, so that a target changed later does not rejudge past legs.
-- NULL on legs issued before: reports use the service's current targets.
ALTER TABLE tickets ADD COLUMN target_wait_ms INTEGER;
ALTER TABLE tickets ADD COLUMN target_handling_ms INTEGER;
