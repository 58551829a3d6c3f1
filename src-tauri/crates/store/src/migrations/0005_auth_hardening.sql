-- 0005: PIN and pairing attempts counted atomically and kept across a
-- restart, and idempotency keys bound to the request they were first sent with.

-- Wrong PINs per staff number *as typed* and per origin. Unknown numbers are
-- counted (and locked) exactly like real ones, so a lock does not tell which
-- numbers exist. `origin` is 'lan' (any other machine) or 'local' (the hall
-- PC itself: its desktop app, its CLI, a browser on it): a LAN attacker who
-- locks a number cannot lock the supervisor out at the hall PC.
-- Supersedes credentials.failed_attempts / credentials.locked_until.
CREATE TABLE pin_attempts (
    hall         INTEGER NOT NULL REFERENCES halls(key),
    staff        TEXT NOT NULL,
    origin       TEXT NOT NULL CHECK (origin IN ('lan', 'local')),
    failed       INTEGER NOT NULL DEFAULT 0,  -- attempts reserved since the last success or lock expiry
    locked_until INTEGER,
    at           INTEGER NOT NULL,            -- the last attempt (for clean-up)
    PRIMARY KEY (hall, staff, origin)
) WITHOUT ROWID;

-- Attempts per source address per minute (fixed windows): wrong pairing
-- codes and PIN tries. `source` is an IPv4 address, an IPv6 /64, or '*' for
-- the hall-wide ceiling.
CREATE TABLE source_attempts (
    hall         INTEGER NOT NULL REFERENCES halls(key),
    kind         TEXT NOT NULL,               -- 'pairing' or 'pin'
    source       TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (hall, kind, source)
) WITHOUT ROWID;

-- The request a key was first used for: SHA-256 (hex) of the route (method
-- and path) and the body. The same key with another request is refused.
-- NULL for keys kept before 0005 and for callers without a request (the CLI).
ALTER TABLE idempotency ADD COLUMN request TEXT;
