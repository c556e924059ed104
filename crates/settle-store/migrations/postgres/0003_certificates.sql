-- Registered joint certificates: one active registration per party. The private key is
-- stored sealed (AES-256-GCM under SETTLE_SECRET_KEY), never in the clear.
CREATE TABLE certificates (
    id              TEXT   NOT NULL PRIMARY KEY,
    tenant_id       TEXT   NOT NULL REFERENCES tenants (id),
    party_kind      TEXT   NOT NULL,
    party_id        TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    serial          TEXT   NOT NULL,
    fingerprint     TEXT   NOT NULL,
    not_after       TEXT   NOT NULL,
    registered_at   TEXT   NOT NULL,
    expires_at      TEXT   NOT NULL,
    chain_verified  BIGINT NOT NULL,
    certificate_der TEXT   NOT NULL,
    sealed_key      TEXT   NOT NULL,
    sealed_random   TEXT,
    replaced_at     TEXT
);
CREATE INDEX certificates_party ON certificates (tenant_id, party_kind, party_id);
