-- 0008: teams (班组). A staff member's team; and the team each ticket leg
-- and counter session was credited to when its staff was recorded, so that
-- moving a clerk to another team does not move their past work. NULL on
-- legs and sessions before, and for staff without a team.
ALTER TABLE staff ADD COLUMN team TEXT;
ALTER TABLE tickets ADD COLUMN team TEXT;
ALTER TABLE counter_sessions ADD COLUMN team TEXT;
