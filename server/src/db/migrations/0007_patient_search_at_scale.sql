-- Patient search that stays fast with a million patients in one institution (bench/patient-search.ts).

-- Prefix search reads its page straight from an index in byte order (COLLATE "C"): "garc%" no
-- longer sorts every García to return the first 25. The text_pattern_ops index it replaces has an
-- order no ORDER BY can use.
CREATE INDEX patients_name_order_idx ON ward.patients (institution_id, (search_name COLLATE "C"), id);
DROP INDEX ward.patients_name_prefix_idx;

-- Fuzzy search. A trigram index over whole names has to fetch and rank every row that shares a few
-- common trigrams with the query (a misspelt "garsia" finds 25,000 García, about a second). So the
-- misspelling is corrected against the institution's distinct name words first (a small table), and
-- the corrected words are then found through ordinary indexes.
CREATE FUNCTION ward.name_words(search_name text) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN array_remove(regexp_split_to_array(search_name, '\s+'), '');

-- "garcia" and "garcía" are one word to someone typing a name.
CREATE FUNCTION ward.fold_accents(word text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN translate(word, 'áàâäãåéèêëíìîïóòôöõúùûüñçý', 'aaaaaaeeeeiiiiooooouuuuncy');

-- Every word of every patient's name, once per institution; `starts_name` for the first word (the
-- family name's first word, which fuzzy search matches the query's first word against).
CREATE TABLE ward.patient_name_words (
  institution_id  uuid NOT NULL REFERENCES ward.institutions (id),
  word            text NOT NULL,
  starts_name         boolean NOT NULL,
  PRIMARY KEY (institution_id, word, starts_name)
);
CREATE INDEX patient_name_words_trgm_idx ON ward.patient_name_words USING gin (ward.fold_accents(word) gin_trgm_ops);

CREATE FUNCTION ward.remember_patient_name_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- In a fixed order, so that two transactions adding the same new words cannot deadlock.
  INSERT INTO ward.patient_name_words (institution_id, word, starts_name)
  SELECT DISTINCT n.institution_id, w.word, w.position = 1
    FROM new_patients AS n
    CROSS JOIN LATERAL unnest(ward.name_words(n.search_name)) WITH ORDINALITY AS w (word, position)
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER patients_name_words_on_insert AFTER INSERT ON ward.patients
  REFERENCING NEW TABLE AS new_patients
  FOR EACH STATEMENT EXECUTE FUNCTION ward.remember_patient_name_words();
CREATE TRIGGER patients_name_words_on_update AFTER UPDATE ON ward.patients
  REFERENCING NEW TABLE AS new_patients
  FOR EACH STATEMENT EXECUTE FUNCTION ward.remember_patient_name_words();

INSERT INTO ward.patient_name_words (institution_id, word, starts_name)
SELECT DISTINCT p.institution_id, w.word, w.position = 1
  FROM ward.patients AS p
  CROSS JOIN LATERAL unnest(ward.name_words(p.search_name)) WITH ORDINALITY AS w (word, position)
ON CONFLICT DO NOTHING;

-- Which patients have a given word anywhere in their name (the query's other words).
CREATE INDEX patients_name_words_idx ON ward.patients USING gin (ward.name_words(search_name));
DROP INDEX ward.patients_name_trgm_idx;
