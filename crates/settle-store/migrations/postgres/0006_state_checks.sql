-- Every state and kind column accepts only the names settle-core defines (the store
-- binds them from its enums).

ALTER TABLE tax_invoices ADD CONSTRAINT tax_invoices_state CHECK (state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled'));
ALTER TABLE tax_invoice_history ADD CONSTRAINT tax_invoice_history_from_state CHECK (from_state IS NULL OR from_state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled'));
ALTER TABLE tax_invoice_history ADD CONSTRAINT tax_invoice_history_to_state CHECK (to_state IN ('drafted', 'requested', 'request_cancelled', 'refused', 'issued', 'sending', 'sent', 'send_failed', 'issue_cancelled'));
ALTER TABLE invoices ADD CONSTRAINT invoices_status CHECK (status IN ('draft', 'open', 'paid', 'void'));
ALTER TABLE invoices ADD CONSTRAINT invoices_kind CHECK (kind IN ('invoice', 'credit_note', 'void_note'));
ALTER TABLE invoices ADD CONSTRAINT invoices_series CHECK (series IN ('G', 'D'));
ALTER TABLE allocations ADD CONSTRAINT allocations_source_type CHECK (source_type IN ('payment', 'credit_note', 'void_note'));
ALTER TABLE rebill_requests ADD CONSTRAINT rebill_requests_status CHECK (status IN ('pending', 'approved', 'rejected'));
ALTER TABLE jobs ADD CONSTRAINT jobs_state CHECK (state IN ('pending', 'running', 'done', 'failed'));
