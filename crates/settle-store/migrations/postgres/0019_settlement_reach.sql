-- A close no longer writes to every transfer it settles. Transfers are numbered in the
-- order they are recorded (seq); a settlement keeps the highest number recorded when it
-- closed (through_seq) and, with its last day, that decides which transfers it holds: the
-- oldest settlement of the partner whose through_seq and period_end both reach the
-- transfer's seq and occurred_on. Existing transfers are numbered in recording order,
-- and each existing settlement reaches the highest number its partner had settled by its
-- end.
ALTER TABLE transfers ADD COLUMN seq BIGINT;
UPDATE transfers SET seq = numbered.n
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM transfers) numbered
WHERE numbered.id = transfers.id;
CREATE SEQUENCE transfers_seq_seq OWNED BY transfers.seq;
SELECT setval('transfers_seq_seq', COALESCE((SELECT MAX(seq) FROM transfers), 0) + 1, false);
ALTER TABLE transfers
    ALTER COLUMN seq SET DEFAULT nextval('transfers_seq_seq'),
    ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX transfers_seq ON transfers (seq);
CREATE INDEX transfers_partner_seq ON transfers (tenant_id, partner_id, seq);

ALTER TABLE settlements ADD COLUMN through_seq BIGINT NOT NULL DEFAULT 0;
UPDATE settlements SET through_seq = COALESCE((
    SELECT MAX(t.seq) FROM transfers t
    JOIN settlements held ON held.id = t.settlement_id
    WHERE held.tenant_id = settlements.tenant_id AND held.partner_id = settlements.partner_id
      AND held.period_end <= settlements.period_end), 0);

DROP INDEX transfers_open;
ALTER TABLE transfers DROP COLUMN settlement_id;
