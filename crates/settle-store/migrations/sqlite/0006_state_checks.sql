-- Every state and kind column accepts only the names settle-core defines (the store
-- binds them from its enums). SQLite adds a CHECK only by rebuilding the table, which the
-- migrations do with foreign keys off (a dropped parent would otherwise count as violated);
-- `Store::migrate` checks every foreign key afterwards.

CREATE TABLE tax_invoices_checked (
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
    updated_at          TEXT   NOT NULL,
    CONSTRAINT tax_invoices_state CHECK (state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled'))
);
INSERT INTO tax_invoices_checked SELECT * FROM tax_invoices;
DROP TABLE tax_invoices;
ALTER TABLE tax_invoices_checked RENAME TO tax_invoices;
CREATE UNIQUE INDEX tax_invoices_key ON tax_invoices (tenant_id, document_key);
CREATE UNIQUE INDEX tax_invoices_approval ON tax_invoices (approval_number)
    WHERE approval_number IS NOT NULL;
CREATE INDEX tax_invoices_list ON tax_invoices (tenant_id, id);
CREATE INDEX tax_invoices_partner ON tax_invoices (tenant_id, partner_id, state);
CREATE INDEX tax_invoices_filing ON tax_invoices (state, issued_at);

CREATE TABLE tax_invoice_history_checked (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    tax_invoice_id  TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT NOT NULL,
    actor           TEXT NOT NULL,
    at              TEXT NOT NULL,
    memo            TEXT,
    CONSTRAINT tax_invoice_history_from_state CHECK (from_state IS NULL OR from_state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled')),
    CONSTRAINT tax_invoice_history_to_state CHECK (to_state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled'))
);
INSERT INTO tax_invoice_history_checked SELECT * FROM tax_invoice_history;
DROP TABLE tax_invoice_history;
ALTER TABLE tax_invoice_history_checked RENAME TO tax_invoice_history;
CREATE INDEX tax_invoice_history_doc ON tax_invoice_history (tax_invoice_id, seq);

CREATE TABLE invoices_checked (
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
    updated_at          TEXT   NOT NULL,
    CONSTRAINT invoices_status CHECK (status IN ('draft', 'open', 'paid', 'void')),
    CONSTRAINT invoices_kind CHECK (kind IN ('invoice', 'credit_note', 'void_note')),
    CONSTRAINT invoices_series CHECK (series IN ('G', 'D'))
);
INSERT INTO invoices_checked SELECT * FROM invoices;
DROP TABLE invoices;
ALTER TABLE invoices_checked RENAME TO invoices;
CREATE UNIQUE INDEX invoices_number ON invoices (tenant_id, number);
CREATE INDEX invoices_list ON invoices (tenant_id, id);
CREATE INDEX invoices_partner ON invoices (tenant_id, partner_id, currency, status);
CREATE INDEX invoices_period ON invoices (tenant_id, billing_period, status);
CREATE INDEX invoices_run ON invoices (run_id);
CREATE INDEX invoices_original ON invoices (original_id);

CREATE TABLE allocations_checked (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT NOT NULL,
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    source_type  TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    amount       TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    CONSTRAINT allocations_source_type CHECK (source_type IN ('payment', 'credit_note', 'void_note'))
);
INSERT INTO allocations_checked SELECT * FROM allocations;
DROP TABLE allocations;
ALTER TABLE allocations_checked RENAME TO allocations;
CREATE INDEX allocations_invoice ON allocations (invoice_id);
CREATE INDEX allocations_source ON allocations (source_id);

CREATE TABLE rebill_requests_checked (
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
    decided_at      TEXT,
    CONSTRAINT rebill_requests_status CHECK (status IN ('pending', 'approved', 'rejected'))
);
INSERT INTO rebill_requests_checked SELECT * FROM rebill_requests;
DROP TABLE rebill_requests;
ALTER TABLE rebill_requests_checked RENAME TO rebill_requests;
CREATE UNIQUE INDEX rebill_requests_pending ON rebill_requests (invoice_id) WHERE status = 'pending';

CREATE TABLE jobs_checked (
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
    finished_at  TEXT,
    CONSTRAINT jobs_state CHECK (state IN ('pending', 'running', 'done', 'failed'))
);
INSERT INTO jobs_checked SELECT * FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_checked RENAME TO jobs;
CREATE INDEX jobs_ready ON jobs(state, run_at);
