-- Forward issuance (정발행): the platform issues tax invoices for its own partner invoices.
-- `direction` tells them from reverse-issued ones; `source_invoice_id` names the partner
-- invoice or note a forward-issued invoice documents (at most one each).
ALTER TABLE tax_invoices ADD COLUMN direction TEXT NOT NULL DEFAULT 'reverse';
ALTER TABLE tax_invoices ADD COLUMN source_invoice_id TEXT;
CREATE UNIQUE INDEX tax_invoices_source ON tax_invoices (source_invoice_id);
