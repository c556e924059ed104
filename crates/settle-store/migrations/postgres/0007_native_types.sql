-- Native types on PostgreSQL: money, quantities and rates are numeric, instants
-- timestamptz, dates date and documents jsonb, so SQL can sum, compare and index them by
-- type. (SQLite keeps these columns as text in fixed formats; settle-store's `columns`
-- module is where the two engines' kinds are mapped.)

ALTER TABLE allocations
    ALTER COLUMN amount TYPE numeric USING amount::numeric,
    ALTER COLUMN on_date TYPE date USING on_date::date,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE api_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN revoked_at TYPE timestamptz USING revoked_at::timestamptz;
ALTER TABLE billing_profiles
    ALTER COLUMN details TYPE jsonb USING details::jsonb,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE billing_runs
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE certificates
    ALTER COLUMN not_after TYPE timestamptz USING not_after::timestamptz,
    ALTER COLUMN registered_at TYPE timestamptz USING registered_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz,
    ALTER COLUMN replaced_at TYPE timestamptz USING replaced_at::timestamptz;
ALTER TABLE charges
    ALTER COLUMN data TYPE jsonb USING data::jsonb,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE events
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz,
    ALTER COLUMN data TYPE jsonb USING data::jsonb;
ALTER TABLE idempotency_keys
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN locked_until TYPE timestamptz USING locked_until::timestamptz;
ALTER TABLE invoice_lines
    ALTER COLUMN item TYPE jsonb USING item::jsonb,
    ALTER COLUMN priced TYPE jsonb USING priced::jsonb;
ALTER TABLE invoices
    ALTER COLUMN details TYPE jsonb USING details::jsonb,
    ALTER COLUMN totals TYPE jsonb USING totals::jsonb,
    ALTER COLUMN total TYPE numeric USING total::numeric,
    ALTER COLUMN settled TYPE numeric USING settled::numeric,
    ALTER COLUMN document_date TYPE date USING document_date::date,
    ALTER COLUMN due_date TYPE date USING due_date::date,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE jobs
    ALTER COLUMN payload TYPE jsonb USING payload::jsonb,
    ALTER COLUMN run_at TYPE timestamptz USING run_at::timestamptz,
    ALTER COLUMN lease_until TYPE timestamptz USING lease_until::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN finished_at TYPE timestamptz USING finished_at::timestamptz;
ALTER TABLE nts_approval_serials
    ALTER COLUMN issue_date TYPE date USING issue_date::date;
ALTER TABLE nts_simulator_members
    ALTER COLUMN linked_at TYPE timestamptz USING linked_at::timestamptz;
ALTER TABLE nts_simulator_receipts
    ALTER COLUMN received_at TYPE timestamptz USING received_at::timestamptz;
ALTER TABLE partners ALTER COLUMN tags DROP DEFAULT;
ALTER TABLE partners
    ALTER COLUMN tags TYPE jsonb USING tags::jsonb,
    ALTER COLUMN nts_linked_at TYPE timestamptz USING nts_linked_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE payments
    ALTER COLUMN amount TYPE numeric USING amount::numeric,
    ALTER COLUMN paid_on TYPE date USING paid_on::date,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz;
ALTER TABLE rebill_requests
    ALTER COLUMN changes TYPE jsonb USING changes::jsonb,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN decided_at TYPE timestamptz USING decided_at::timestamptz;
ALTER TABLE supplier_links
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;
ALTER TABLE supplier_login_failures
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz;
ALTER TABLE supplier_sessions
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN expires_at TYPE timestamptz USING expires_at::timestamptz;
ALTER TABLE tax_invoice_history
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz;
ALTER TABLE tax_invoices
    ALTER COLUMN write_date TYPE date USING write_date::date,
    ALTER COLUMN late_from TYPE timestamptz USING late_from::timestamptz,
    ALTER COLUMN document TYPE jsonb USING document::jsonb,
    ALTER COLUMN supply_total TYPE numeric USING supply_total::numeric,
    ALTER COLUMN tax_total TYPE numeric USING tax_total::numeric,
    ALTER COLUMN total TYPE numeric USING total::numeric,
    ALTER COLUMN issued_at TYPE timestamptz USING issued_at::timestamptz,
    ALTER COLUMN filing_lease_until TYPE timestamptz USING filing_lease_until::timestamptz,
    ALTER COLUMN filed_at TYPE timestamptz USING filed_at::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;
ALTER TABLE tenants ALTER COLUMN party DROP DEFAULT;
ALTER TABLE tenants
    ALTER COLUMN party TYPE jsonb USING party::jsonb,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN nts_linked_at TYPE timestamptz USING nts_linked_at::timestamptz;
ALTER TABLE partners ALTER COLUMN tags SET DEFAULT '[]'::jsonb;
ALTER TABLE tenants ALTER COLUMN party SET DEFAULT '{}'::jsonb;
