-- The centre's schema, version 1. Never edited once shipped: a change is a
-- new V<n>__*.sql file.
--
-- Ready for Citus: every table but the reference ones has the hall id as the
-- first column of its primary key (the distribution column), no foreign key
-- runs between halls, and no unique constraint leaves the hall id out. Times
-- are UTC milliseconds (bigint), as in the halls' own logs.

-- One row per hall the centre knows: enrolled (with a key) or registered
-- from an exchange file (without one). Distributed by hall_id, co-located
-- with events.
CREATE TABLE halls (
    hall_id        uuid   NOT NULL,
    code           text   NOT NULL,
    name           text   NOT NULL,
    county         text,
    settings       jsonb  NOT NULL DEFAULT '{}'::jsonb,
    -- SHA-256 of the hall's key; the key itself is never stored.
    key_hash       bytea,
    key_revoked_at bigint,
    enrolled_at    bigint,
    registered_at  bigint NOT NULL,
    PRIMARY KEY (hall_id)
);
CREATE INDEX halls_code ON halls (code);

-- One-time enrolment codes. Not a hall's data (a code exists before its
-- hall does): a reference table on Citus (create_reference_table), so its
-- key need not hold a hall id.
CREATE TABLE enrol_codes (
    -- SHA-256 of the code; the code itself is shown once and never stored.
    code_hash  bytea  NOT NULL,
    hall_code  text   NOT NULL,
    county     text,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint,
    used_by    uuid,
    PRIMARY KEY (code_hash)
);

-- Every hall's event log, exactly as the hall stores it: seq gapless from 1
-- per hall, the event's id unique within its hall, actor and data the same
-- JSON the hall wrote (hallq_core's Actor and EventData).
CREATE TABLE events (
    hall_id uuid   NOT NULL,
    seq     bigint NOT NULL CHECK (seq >= 1),
    id      uuid   NOT NULL,
    at      bigint NOT NULL,
    kind    text   NOT NULL,
    actor   jsonb  NOT NULL,
    data    jsonb  NOT NULL,
    PRIMARY KEY (hall_id, seq),
    UNIQUE (hall_id, id)
);
