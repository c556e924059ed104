-- NTS approval number serials: one counter per issue date and issuer code.
CREATE TABLE nts_approval_serials (
    issue_date  TEXT   NOT NULL,
    issuer_code TEXT   NOT NULL,
    last_serial BIGINT NOT NULL,
    PRIMARY KEY (issue_date, issuer_code)
);
