-- 0010: the hall's link to the bureau's centre (`hallq enrol`), one row per
-- hall: the centre's URL, the hall's key, the seq the centre acknowledged
-- (only ever from the centre's answer, after its commit), the last success
-- and the last error. The key is a secret kept in the hall's own database,
-- and therefore in its backups: whoever holds a backup can push as the hall
-- until the bureau revokes the key. A restored backup whose acknowledged seq
-- is behind the centre's is the divergence case: the centre refuses the
-- restored hall's new events (409 divergent_log) and forwarding stops.
CREATE TABLE central_link (
    hall             INTEGER PRIMARY KEY REFERENCES halls(key),
    url              TEXT NOT NULL,
    hall_key         TEXT NOT NULL,
    enrolled_at      INTEGER NOT NULL,
    acknowledged_seq INTEGER NOT NULL DEFAULT 0,
    last_success_at  INTEGER,
    last_error_at    INTEGER,
    last_error_code  TEXT,
    last_error_zh    TEXT,
    last_error_en    TEXT
);
