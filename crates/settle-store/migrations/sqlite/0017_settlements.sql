-- Closed settlements: one per partner and cycle, with their sums as closed. A transfer
-- names the settlement that settled it (none while open). Partners' bank accounts are
-- kept sealed like private keys; only the last digits are readable.
CREATE TABLE settlements (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants(id),
    partner_id         TEXT NOT NULL REFERENCES partners(id),
    period_start       TEXT NOT NULL,
    period_end         TEXT NOT NULL,
    payout_date        TEXT NOT NULL,
    currency           TEXT NOT NULL,
    taxation           TEXT NOT NULL,
    sales              TEXT NOT NULL,
    fees               TEXT NOT NULL,
    partner_discounts  TEXT NOT NULL,
    platform_discounts TEXT NOT NULL,
    adjustments        TEXT NOT NULL,
    owed               TEXT NOT NULL,
    income_tax         TEXT NOT NULL,
    local_income_tax   TEXT NOT NULL,
    payout             TEXT NOT NULL,
    transfer_count     INTEGER NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('closed', 'paid')),
    tax_invoice_id     TEXT REFERENCES tax_invoices(id),
    paid_on            TEXT,
    payout_reference   TEXT,
    closed_at          TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX settlements_cycle ON settlements (tenant_id, partner_id, period_start);
CREATE INDEX settlements_period ON settlements (tenant_id, period_end);

-- Open transfers are found through a partial index that closing only deletes from; a
-- settlement's own transfers are read through its partner's (transfers_partner).
ALTER TABLE transfers ADD COLUMN settlement_id TEXT REFERENCES settlements(id);
CREATE INDEX transfers_open ON transfers (tenant_id, partner_id, occurred_on) WHERE settlement_id IS NULL;

CREATE TABLE partner_bank_accounts (
    partner_id      TEXT PRIMARY KEY REFERENCES partners(id),
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    bank_code       TEXT NOT NULL,
    holder          TEXT NOT NULL,
    account_sealed  TEXT NOT NULL,
    account_last4   TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
