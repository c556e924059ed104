-- Tenants, API keys, partners, the audit log, idempotency keys and durable jobs.
-- Instants are TEXT in one fixed RFC 3339 UTC format, so they sort as text on both engines.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    brn         TEXT NOT NULL,
    party       TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    secret_hash  TEXT NOT NULL,
    roles        TEXT NOT NULL,
    name         TEXT,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, id);

CREATE TABLE partners (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    brn              TEXT,
    sub_business_id  TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL,
    ceo_name         TEXT NOT NULL,
    address          TEXT NOT NULL,
    biz_type         TEXT NOT NULL,
    biz_item         TEXT NOT NULL,
    partner_type     TEXT NOT NULL,
    external_id      TEXT,
    contact_name     TEXT NOT NULL,
    contact_email    TEXT NOT NULL,
    contact_phone    TEXT,
    tags             TEXT NOT NULL DEFAULT '[]',
    nts_linked_at    TEXT,
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX partners_brn ON partners(tenant_id, brn, sub_business_id);
CREATE UNIQUE INDEX partners_external_id ON partners(tenant_id, external_id);
CREATE INDEX partners_tenant ON partners(tenant_id, id);

CREATE TABLE events (
    seq           BIGSERIAL PRIMARY KEY,
    tenant_id     TEXT,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    data          TEXT NOT NULL
);
CREATE INDEX events_subject ON events(tenant_id, subject_type, subject_id, seq);

CREATE TABLE idempotency_keys (
    tenant_id      TEXT NOT NULL,
    key            TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status         BIGINT,
    content_type   TEXT,
    body           TEXT,
    created_at     TEXT NOT NULL,
    locked_until   TEXT,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    dedupe_key   TEXT UNIQUE,
    state        TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX jobs_ready ON jobs(state, run_at);
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
