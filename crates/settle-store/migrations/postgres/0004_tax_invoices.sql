-- Reverse-issued tax invoices, their history, the supplier's link tokens and sessions,
-- and the embedded NTS simulator's register of what it received.

ALTER TABLE tenants ADD COLUMN nts_linked_at TEXT;

CREATE TABLE tax_invoices (
    id                  TEXT   NOT NULL PRIMARY KEY,
    tenant_id           TEXT   NOT NULL REFERENCES tenants (id),
    document_key        TEXT   NOT NULL,
    partner_id          TEXT   NOT NULL REFERENCES partners (id),
    state               TEXT   NOT NULL,
    write_date          TEXT   NOT NULL,
    late_from           TEXT   NOT NULL,
    document            TEXT   NOT NULL,
    supply_total        TEXT   NOT NULL,
    tax_total           TEXT   NOT NULL,
    total               TEXT   NOT NULL,
    amends_id           TEXT,
    approval_number     TEXT,
    signed_xml          TEXT,
    issued_at           TEXT,
    filing_owner        TEXT,
    filing_lease_until  TEXT,
    nts_result_code     TEXT,
    filed_at            TEXT,
    version             BIGINT NOT NULL,
    created_at          TEXT   NOT NULL,
    updated_at          TEXT   NOT NULL
);
CREATE UNIQUE INDEX tax_invoices_key ON tax_invoices (tenant_id, document_key);
-- Partial: drafts and requests (most rows of a large batch) have no approval number, so
-- they cost this index nothing.
CREATE UNIQUE INDEX tax_invoices_approval ON tax_invoices (approval_number)
    WHERE approval_number IS NOT NULL;
CREATE INDEX tax_invoices_list ON tax_invoices (tenant_id, id);
CREATE INDEX tax_invoices_partner ON tax_invoices (tenant_id, partner_id, state);
-- Not partial: SQLite uses a partial index only when the query repeats its condition, and
-- the filing batch asks for `state = 'issued'`.
CREATE INDEX tax_invoices_filing ON tax_invoices (state, issued_at);

CREATE TABLE tax_invoice_history (
    seq             BIGSERIAL PRIMARY KEY,
    tax_invoice_id  TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    actor           TEXT NOT NULL,
    at              TEXT NOT NULL,
    memo            TEXT
);
CREATE INDEX tax_invoice_history_doc ON tax_invoice_history (tax_invoice_id, seq);

-- Tokens are stored as SHA-256 hashes only.
CREATE TABLE supplier_links (
    token_hash      TEXT NOT NULL PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    tax_invoice_id  TEXT NOT NULL,
    partner_id      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX supplier_links_doc ON supplier_links (tax_invoice_id);

CREATE TABLE supplier_sessions (
    token_hash  TEXT NOT NULL PRIMARY KEY,
    tenant_id   TEXT NOT NULL,
    partner_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

CREATE TABLE supplier_login_failures (
    seq         BIGSERIAL PRIMARY KEY,
    link_hash   TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX supplier_login_failures_link ON supplier_login_failures (link_hash, at);

CREATE TABLE nts_simulator_receipts (
    approval_number  TEXT NOT NULL PRIMARY KEY,
    content_hash     TEXT NOT NULL,
    supplier_brn     TEXT NOT NULL,
    result_code      TEXT NOT NULL,
    received_at      TEXT NOT NULL
);
CREATE TABLE nts_simulator_members (
    brn        TEXT NOT NULL PRIMARY KEY,
    linked_at  TEXT NOT NULL
);
