-- The workspace lists a tenant's tax invoices of one state in id order: without this index
-- a rare state means reading every invoice of the tenant.
CREATE INDEX tax_invoices_state_list ON tax_invoices (tenant_id, state, id);
