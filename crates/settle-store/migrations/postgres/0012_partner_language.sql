-- The language of the documents and messages a partner receives.
ALTER TABLE partners ADD COLUMN language TEXT NOT NULL DEFAULT 'ko'
    CHECK (language IN ('ko', 'en'));
