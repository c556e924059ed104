-- Settlement: each partner's contracts (terms as JSON, effective from a date) and the
-- transfers settled under them (one per external id per tenant, so a transfer sent twice
-- is recorded once).
CREATE TABLE settlement_contracts (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    effective_from  date NOT NULL,
    terms           jsonb NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX settlement_contracts_day ON settlement_contracts (tenant_id, partner_id, effective_from);

CREATE TABLE transfers (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    external_id  TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('order', 'cancellation', 'partial_refund', 'shipping_fee', 'adjustment')),
    occurred_on  date NOT NULL,
    order_id     TEXT,
    product_id   TEXT,
    category     TEXT,
    amount       numeric NOT NULL,
    discount     numeric NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX transfers_external ON transfers (tenant_id, external_id);
CREATE INDEX transfers_partner ON transfers (tenant_id, partner_id, occurred_on);
