-- The centre's projections, version 4: commitments (the hall's case
-- catalogue and its cases) and staff sessions, written from each hall's
-- events by the same HallState::apply as the others (src/projection.rs),
-- as the hall's SQLite projection writes its `case_types`, `cases` and
-- `staff_sessions`. Keyed by hall_id first (the Citus distribution
-- column); no foreign key crosses halls. Times are UTC milliseconds.
--
-- Case steps are not projected: no report or page of the centre reads
-- them (they stay in the log, as every event does).

-- A hall's commitment catalogue, in the order its types were first
-- defined (position), each type as the domain left it (CaseType JSON).
CREATE TABLE case_types (
    hall_id   uuid    NOT NULL,
    code      text    NOT NULL,
    position  integer NOT NULL,
    case_type jsonb   NOT NULL,
    PRIMARY KEY (hall_id, code)
);

-- Every case as the domain left it after its last event (Case JSON in
-- data), with the columns reports filter on. business_day is the hall's
-- business day of its acceptance, fixed when it was opened; team is its
-- staff member's team as of the case's last change (as in the hall).
CREATE TABLE cases (
    hall_id      uuid   NOT NULL,
    id           uuid   NOT NULL,
    number       text   NOT NULL,
    case_type    text   NOT NULL,
    business_day date   NOT NULL,
    staff        text   NOT NULL,
    team         text,
    received_at  bigint NOT NULL,
    accepted_at  bigint NOT NULL,
    due_at       bigint NOT NULL,
    state        text   NOT NULL,
    closed_at    bigint,
    outcome      text,
    data         jsonb  NOT NULL,
    PRIMARY KEY (hall_id, id)
);
CREATE INDEX cases_by_day ON cases (hall_id, business_day);

-- Staff logins at counters: one row per login, keyed by the seq of the
-- event that logged in; logout_at NULL while logged in.
CREATE TABLE staff_sessions (
    hall_id   uuid    NOT NULL,
    seq       bigint  NOT NULL,
    staff     text    NOT NULL,
    counter   integer NOT NULL,
    login_at  bigint  NOT NULL,
    logout_at bigint,
    PRIMARY KEY (hall_id, seq)
);
CREATE INDEX staff_sessions_open ON staff_sessions (hall_id) WHERE logout_at IS NULL;

-- The projections written before V4 hold no cases: every hall is
-- projected again from its log when the centre starts (projection::catch_up,
-- as for a centre upgraded from V1), so the new tables hold every hall's
-- history, not only what comes after the upgrade.
DELETE FROM hall_states;
TRUNCATE tickets, counter_sessions, services, staff, counters, follow_ups;
