-- Central users, version 3: the bureau's county and province managers
-- who read reports across halls, and their login sessions. Not a hall's
-- data: reference tables on Citus (create_reference_table), keyed by name
-- and by token.

CREATE TABLE central_users (
    name          text   NOT NULL,
    -- 'county' (sees its county's halls) or 'province' (sees every hall).
    role          text   NOT NULL CHECK (role IN ('county', 'province')),
    county        text,
    -- argon2 (PHC string), as the hall hashes its staff's PINs.
    password_hash text   NOT NULL,
    created_at    bigint NOT NULL,
    PRIMARY KEY (name),
    CHECK ((role = 'county') = (county IS NOT NULL))
);

CREATE TABLE central_sessions (
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash bytea  NOT NULL,
    name       text   NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (token_hash)
);
