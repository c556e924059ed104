-- Reconciliation files list a period's finalized documents in number order, line by line:
-- this index gives that order without sorting the period's lines.
CREATE INDEX invoices_period_number ON invoices (tenant_id, billing_period, number);
