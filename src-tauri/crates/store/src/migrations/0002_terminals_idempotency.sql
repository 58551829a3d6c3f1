-- 0002: paired terminals, pairing codes, and idempotency keys.

-- A terminal (kiosk, counter PC, display, rating pad, board, supervisor
-- session) that exchanged a pairing code for a token. Only the token's
-- SHA-256 is kept.
CREATE TABLE terminals (
    id         BLOB PRIMARY KEY,         -- UUIDv7
    hall       INTEGER NOT NULL REFERENCES halls(key),
    role       TEXT NOT NULL,            -- kiosk, counter, display, rating_pad, board, supervisor
    counter    INTEGER,                  -- for counter and rating_pad terminals
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,                  -- supervisor sessions expire; paired terminals do not
    revoked_at INTEGER
);

-- A 6-digit code the supervisor hands to a terminal, valid 10 minutes, once.
CREATE TABLE pairing_codes (
    code       TEXT NOT NULL,
    hall       INTEGER NOT NULL REFERENCES halls(key),
    role       TEXT NOT NULL,
    counter    INTEGER,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (hall, code)
) WITHOUT ROWID;

-- The first answer to a command sent with an idempotency key: a retry or a
-- double click with the same key gets this answer instead of acting again.
-- Written in the same transaction as the command's events.
CREATE TABLE idempotency (
    hall   INTEGER NOT NULL REFERENCES halls(key),
    key    TEXT NOT NULL,
    answer TEXT NOT NULL,                -- JSON of Executed
    at     INTEGER NOT NULL,
    PRIMARY KEY (hall, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_time ON idempotency (hall, at);
