-- Webhooks: a tenant's endpoints (secrets sealed like certificates; a rotated-out secret
-- keeps signing beside the new one until previous_until), one delivery per event and
-- endpoint (worked through the jobs table), and every attempt of each.
CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    url              TEXT NOT NULL,
    events           TEXT NOT NULL,
    secret           TEXT NOT NULL,
    previous_secret  TEXT,
    previous_until   TEXT,
    enabled          BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    disabled_reason  TEXT,
    failing_since    TEXT,
    deleted          BIGINT NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    version          BIGINT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);

CREATE TABLE webhook_deliveries (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    endpoint_id   TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_id      TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    body          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_status   BIGINT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    first_attempt_at TEXT,
    finished_at   TEXT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt       BIGINT NOT NULL,
    at            TEXT NOT NULL,
    status        BIGINT,
    error         TEXT,
    duration_ms   BIGINT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
