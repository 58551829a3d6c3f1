-- 0004: thermal printing — each kiosk's printer, and print jobs.
-- Operational tables like terminals: not events, not projections; a
-- rebuild or an exchange file leaves them alone.

-- The printer of a kiosk terminal. A kiosk without a row prints the HTML
-- ticket (kind html) on 80 mm paper.
CREATE TABLE kiosk_printers (
    terminal   BLOB PRIMARY KEY REFERENCES terminals(id),
    hall       INTEGER NOT NULL REFERENCES halls(key),
    kind       TEXT NOT NULL,            -- none, html, network, usb, serial, local
    address    TEXT,                     -- host:port, device path or serial port
    baud       INTEGER,                  -- serial only
    paper      INTEGER NOT NULL,         -- 58 or 80 (mm)
    updated_at INTEGER NOT NULL
);

-- One ticket to print: at issue, a reprint. The content is the ticket as
-- printed (JSON), so a reprint prints the same ticket; the printer fields
-- are where it goes. A job is never deleted: pending until printed,
-- skipped (its ticket no longer waits) or cancelled.
CREATE TABLE print_jobs (
    id           BLOB PRIMARY KEY,       -- UUIDv7
    hall         INTEGER NOT NULL REFERENCES halls(key),
    ticket       BLOB NOT NULL,
    number       TEXT NOT NULL,
    kiosk        BLOB,                   -- the kiosk terminal it prints for
    reason       TEXT NOT NULL,          -- issue, reprint
    deliver      TEXT NOT NULL,          -- server (the hall server prints), page (the kiosk page does)
    kind         TEXT NOT NULL,
    address      TEXT,
    baud         INTEGER,
    paper        INTEGER NOT NULL,
    state        TEXT NOT NULL,          -- pending, printed, skipped, cancelled
    attempts     INTEGER NOT NULL DEFAULT 0,
    error_code   TEXT,
    error_zh     TEXT,
    error_en     TEXT,
    content      TEXT NOT NULL,          -- JSON of the printed ticket
    created_at   INTEGER NOT NULL,
    printed_at   INTEGER,
    business_day TEXT NOT NULL
);
CREATE INDEX print_jobs_pending ON print_jobs (hall, created_at) WHERE state = 'pending';
CREATE INDEX print_jobs_by_day ON print_jobs (hall, business_day);
CREATE INDEX print_jobs_by_ticket ON print_jobs (ticket);
