-- Partner invoicing: billing profiles, charges, billing runs, documents (invoices, credit
-- notes, void notes) and their lines, gapless number series, payments and what they
-- settle, rebill requests.

CREATE TABLE billing_profiles (
    id          TEXT   NOT NULL PRIMARY KEY,
    tenant_id   TEXT   NOT NULL REFERENCES tenants (id),
    partner_id  TEXT   NOT NULL REFERENCES partners (id),
    currency    TEXT   NOT NULL,
    details     TEXT   NOT NULL,
    version     BIGINT NOT NULL,
    created_at  TEXT   NOT NULL,
    updated_at  TEXT   NOT NULL
);
CREATE UNIQUE INDEX billing_profiles_partner ON billing_profiles (tenant_id, partner_id, currency);

CREATE TABLE charges (
    id                TEXT   NOT NULL PRIMARY KEY,
    tenant_id         TEXT   NOT NULL REFERENCES tenants (id),
    partner_id        TEXT   NOT NULL REFERENCES partners (id),
    period            TEXT   NOT NULL,
    billing_currency  TEXT   NOT NULL,
    series            TEXT   NOT NULL,
    marketplace       BIGINT NOT NULL,
    run_id            TEXT,
    data              TEXT   NOT NULL,
    created_at        TEXT   NOT NULL
);
CREATE INDEX charges_unbilled ON charges (tenant_id, period, run_id);
CREATE INDEX charges_run ON charges (run_id);
CREATE INDEX charges_list ON charges (tenant_id, id);

CREATE TABLE billing_runs (
    id                 TEXT   NOT NULL PRIMARY KEY,
    tenant_id          TEXT   NOT NULL REFERENCES tenants (id),
    period             TEXT   NOT NULL,
    actor              TEXT   NOT NULL,
    charges_billed     BIGINT NOT NULL,
    invoices_created   BIGINT NOT NULL,
    invoices_extended  BIGINT NOT NULL,
    created_at         TEXT   NOT NULL
);

CREATE TABLE invoices (
    id                  TEXT   NOT NULL PRIMARY KEY,
    tenant_id           TEXT   NOT NULL REFERENCES tenants (id),
    partner_id          TEXT   NOT NULL REFERENCES partners (id),
    profile_id          TEXT   NOT NULL REFERENCES billing_profiles (id),
    kind                TEXT   NOT NULL,
    series              TEXT   NOT NULL,
    number              TEXT,
    status              TEXT   NOT NULL,
    marketplace         BIGINT NOT NULL,
    billing_period      TEXT   NOT NULL,
    currency            TEXT   NOT NULL,
    run_id              TEXT,
    original_id         TEXT,
    original_number     TEXT,
    details             TEXT,
    totals              TEXT   NOT NULL,
    total               TEXT   NOT NULL,
    settled             TEXT   NOT NULL,
    line_count          BIGINT NOT NULL,
    document_date       TEXT,
    due_date            TEXT,
    tax_invoice_number  TEXT,
    reason              TEXT,
    version             BIGINT NOT NULL,
    created_at          TEXT   NOT NULL,
    updated_at          TEXT   NOT NULL
);
CREATE UNIQUE INDEX invoices_number ON invoices (tenant_id, number);
CREATE INDEX invoices_list ON invoices (tenant_id, id);
CREATE INDEX invoices_partner ON invoices (tenant_id, partner_id, currency, status);
CREATE INDEX invoices_period ON invoices (tenant_id, billing_period, status);
CREATE INDEX invoices_run ON invoices (run_id);
CREATE INDEX invoices_original ON invoices (original_id);

CREATE TABLE invoice_lines (
    id               TEXT   NOT NULL PRIMARY KEY,
    invoice_id       TEXT   NOT NULL REFERENCES invoices (id),
    line_no          BIGINT NOT NULL,
    charge_id        TEXT,
    credits_line_id  TEXT,
    item             TEXT   NOT NULL,
    priced           TEXT   NOT NULL
);
CREATE UNIQUE INDEX invoice_lines_order ON invoice_lines (invoice_id, line_no);
CREATE INDEX invoice_lines_credits ON invoice_lines (credits_line_id);

CREATE TABLE number_series (
    tenant_id  TEXT   NOT NULL,
    series     TEXT   NOT NULL,
    last       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, series)
);

CREATE TABLE payments (
    id          TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    currency    TEXT NOT NULL,
    amount      TEXT NOT NULL,
    paid_on     TEXT NOT NULL,
    reference   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX payments_partner ON payments (tenant_id, partner_id, currency);
CREATE INDEX payments_list ON payments (tenant_id, id);

-- What settles an invoice: a payment, a credit note or a void note, for an amount, dated.
CREATE TABLE allocations (
    seq          BIGSERIAL PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    source_type  TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    amount       TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX allocations_invoice ON allocations (invoice_id);
CREATE INDEX allocations_source ON allocations (source_id);

CREATE TABLE rebill_requests (
    id              TEXT NOT NULL PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    invoice_id      TEXT NOT NULL REFERENCES invoices (id),
    changes         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    decided_by      TEXT,
    void_note_id    TEXT,
    new_invoice_id  TEXT,
    created_at      TEXT NOT NULL,
    decided_at      TEXT
);
-- One pending request per invoice.
CREATE UNIQUE INDEX rebill_requests_pending ON rebill_requests (invoice_id) WHERE status = 'pending';
