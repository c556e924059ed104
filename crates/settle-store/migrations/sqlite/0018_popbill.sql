-- The Popbill-compatible API: a tenant's link credentials (the secret sealed like a
-- private key, since the token handshake needs it to check signatures) and the session
-- tokens issued with them (only a hash of each is kept), each for one business number.
CREATE TABLE popbill_keys (
    link_id        TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    secret_sealed  TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX popbill_keys_tenant ON popbill_keys (tenant_id);

CREATE TABLE popbill_tokens (
    token_hash   TEXT PRIMARY KEY,
    link_id      TEXT NOT NULL REFERENCES popbill_keys(link_id),
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    corp_num     TEXT NOT NULL,
    service_id   TEXT NOT NULL,
    ip_address   TEXT,
    expires_at   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
