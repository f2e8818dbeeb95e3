-- Search that ignores accents and case: "farmacia sao joao" finds "Farmácia São João" and the
-- reverse. Both extensions are "trusted" (PostgreSQL 13 and later), so the database owner
-- creates them without being a superuser; they go in public, where the function below names
-- them. unaccent() is only STABLE (its dictionary is looked up through search_path), so an
-- index cannot call it directly: search_fold names the dictionary and the function with their
-- schema and declares the result IMMUTABLE, which is true as long as nobody edits the
-- unaccent.rules file of the server (docs/FINANCIAL-RULES.md, section 11: reindex after such an edit).
-- The SQL-standard body (RETURN …) is parsed once here, so search_path at call time (for
-- example pg_restore's empty one) cannot change what it calls.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE FUNCTION public.search_fold(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN lower(public.unaccent('public.unaccent'::regdictionary, input));

-- A trigram index on the folded description serves LIKE '%…%' on it (three letters or more).
CREATE INDEX transactions_description_search_idx ON transactions USING gin (public.search_fold(description) public.gin_trgm_ops);
