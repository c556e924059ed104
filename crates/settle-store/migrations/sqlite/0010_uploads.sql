-- Spreadsheets worked on in the background (partner imports, tax-invoice batches): the
-- file as it arrived (base64), who sent it with which roles, the progress, and the report.
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    kind         TEXT NOT NULL CONSTRAINT uploads_kind CHECK (kind IN ('partners', 'tax_invoices')),
    actor        TEXT NOT NULL,
    roles        TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    file         TEXT NOT NULL,
    total        BIGINT NOT NULL,
    done         BIGINT NOT NULL DEFAULT 0,
    report       TEXT,
    error        TEXT,
    created_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX uploads_tenant ON uploads (tenant_id, id);
