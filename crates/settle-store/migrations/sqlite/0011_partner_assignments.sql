-- The partners assigned to a sales agent (a user whose only role is sales_agent sees
-- only these).
CREATE TABLE partner_assignments (
    user_id     TEXT NOT NULL REFERENCES users(id),
    partner_id  TEXT NOT NULL REFERENCES partners(id),
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, partner_id)
);
CREATE INDEX partner_assignments_partner ON partner_assignments (partner_id);
