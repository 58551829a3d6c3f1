-- The centre's projections, version 2: what reports across halls read,
-- written from each hall's events by the same domain code a hall runs
-- (hallq_core's HallState::apply), in the transaction that stores them.
-- Every table is keyed by hall_id first (the Citus distribution column);
-- no foreign key crosses halls. Times are UTC milliseconds.

-- Where each hall's projection stands, and its live state between
-- batches (hallq_core's HallSnapshot as JSON), so a batch is applied
-- without replaying the hall's log.
CREATE TABLE hall_states (
    hall_id   uuid   NOT NULL,
    -- The last event projected; below the log's last seq only on a
    -- centre upgraded from V1, until it catches up.
    last_seq  bigint NOT NULL,
    day       date   NOT NULL,
    last_at   bigint NOT NULL,
    snapshot  jsonb  NOT NULL,
    PRIMARY KEY (hall_id)
);

-- Ticket legs as the domain left them after the hall's last event (the
-- hall's own `tickets` projection, with the columns reports read).
CREATE TABLE tickets (
    hall_id            uuid     NOT NULL,
    id                 uuid     NOT NULL,
    visit_id           uuid     NOT NULL,
    leg                smallint NOT NULL,
    number             text     NOT NULL,
    service            text     NOT NULL,
    priority           text     NOT NULL,
    business_day       date     NOT NULL,
    visit_issued_at    bigint   NOT NULL,
    issued_at          bigint   NOT NULL,
    called_at          bigint,
    last_called_at     bigint,
    recalls            integer  NOT NULL,
    started_at         bigint,
    ended_at           bigint,
    state              text     NOT NULL,
    resolution         text,
    counter            integer,
    staff              text,
    -- The team of the staff member when they were first recorded on the leg.
    team               text,
    target_counter     integer,
    transferred_to     uuid,
    rating             smallint,
    rating_reason      text,
    rated_at           bigint,
    target_wait_ms     bigint,
    target_handling_ms bigint,
    PRIMARY KEY (hall_id, id)
);
CREATE INDEX tickets_by_day ON tickets (hall_id, business_day);

-- Counters' open time (utilisation): one row per opening or resumption,
-- keyed by the seq of the event that opened it.
CREATE TABLE counter_sessions (
    hall_id   uuid    NOT NULL,
    seq       bigint  NOT NULL,
    counter   integer NOT NULL,
    staff     text,
    team      text,
    opened_at bigint  NOT NULL,
    closed_at bigint,
    PRIMARY KEY (hall_id, seq)
);
CREATE INDEX counter_sessions_open ON counter_sessions (hall_id) WHERE closed_at IS NULL;

-- Configuration as the hall's events defined it (labels and targets).
CREATE TABLE services (
    hall_id  uuid    NOT NULL,
    code     text    NOT NULL,
    position integer NOT NULL,
    service  jsonb   NOT NULL,
    PRIMARY KEY (hall_id, code)
);

CREATE TABLE staff (
    hall_id uuid NOT NULL,
    number  text NOT NULL,
    name    text NOT NULL,
    team    text,
    staff   jsonb NOT NULL,
    PRIMARY KEY (hall_id, number)
);

CREATE TABLE counters (
    hall_id uuid    NOT NULL,
    number  integer NOT NULL,
    counter jsonb   NOT NULL,
    PRIMARY KEY (hall_id, number)
);

-- Follow-ups of low ratings.
CREATE TABLE follow_ups (
    hall_id      uuid     NOT NULL,
    ticket       uuid     NOT NULL,
    business_day date     NOT NULL,
    deadline     date     NOT NULL,
    closed_at    bigint,
    follow_up    jsonb    NOT NULL,
    PRIMARY KEY (hall_id, ticket)
);
