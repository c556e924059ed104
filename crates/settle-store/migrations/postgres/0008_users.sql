-- Staff users who sign in to the pages, their sessions and their one-time login links.
-- Secrets (session and link tokens) are stored as SHA-256 hashes only; passwords as argon2.

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    roles           TEXT NOT NULL,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    disabled_at     timestamptz,
    version         BIGINT NOT NULL
);
CREATE INDEX users_tenant ON users (tenant_id, id);

CREATE TABLE user_sessions (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

CREATE TABLE user_login_links (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX user_login_links_user ON user_login_links (user_id);
