-- A close no longer writes to every transfer it settles. Transfers are numbered in the
-- order they are recorded (seq); a settlement keeps the highest number recorded when it
-- closed (through_seq) and, with its last day, that decides which transfers it holds: the
-- oldest settlement of the partner whose through_seq and period_end both reach the
-- transfer's seq and occurred_on. The table is rebuilt (SQLite cannot add a numbering
-- column); existing transfers are numbered in recording order, and each existing
-- settlement reaches the highest number its partner had settled by its end.
CREATE TABLE transfers_numbered (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    partner_id   TEXT NOT NULL REFERENCES partners(id),
    external_id  TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('order', 'cancellation', 'partial_refund', 'shipping_fee', 'adjustment')),
    occurred_on  TEXT NOT NULL,
    order_id     TEXT,
    product_id   TEXT,
    category     TEXT,
    amount       TEXT NOT NULL,
    discount     TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
INSERT INTO transfers_numbered (id, tenant_id, partner_id, external_id, kind, occurred_on,
    order_id, product_id, category, amount, discount, created_at)
SELECT id, tenant_id, partner_id, external_id, kind, occurred_on, order_id, product_id,
    category, amount, discount, created_at
FROM transfers ORDER BY created_at, id;

ALTER TABLE settlements ADD COLUMN through_seq INTEGER NOT NULL DEFAULT 0;
UPDATE settlements SET through_seq = COALESCE((
    SELECT MAX(n.seq) FROM transfers t
    JOIN transfers_numbered n ON n.id = t.id
    JOIN settlements held ON held.id = t.settlement_id
    WHERE held.tenant_id = settlements.tenant_id AND held.partner_id = settlements.partner_id
      AND held.period_end <= settlements.period_end), 0);

DROP TABLE transfers;
ALTER TABLE transfers_numbered RENAME TO transfers;
CREATE UNIQUE INDEX transfers_external ON transfers (tenant_id, external_id);
CREATE INDEX transfers_partner ON transfers (tenant_id, partner_id, occurred_on);
CREATE INDEX transfers_partner_seq ON transfers (tenant_id, partner_id, seq);
