-- PostgreSQL moves money, instants, dates and documents to native types in this step.
-- SQLite keeps them as text in the fixed formats settle writes (they sort and compare
-- correctly as text), so nothing changes here; the file keeps both engines' migration
-- histories in step.
SELECT 1;
