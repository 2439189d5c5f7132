-- Clinical records, justified ("break-glass") access, and the tamper-evident audit trail.
-- Every institution-owned table leads its primary key with institution_id, so the schema can be
-- distributed by institution (Citus) without a rewrite.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE ward.institutions
  ADD COLUMN justified_access_hours integer NOT NULL DEFAULT 24 CHECK (justified_access_hours BETWEEN 1 AND 168),
  ADD COLUMN care_relationship_days integer NOT NULL DEFAULT 30 CHECK (care_relationship_days BETWEEN 1 AND 365),
  ADD COLUMN nurses_write_notes boolean NOT NULL DEFAULT true;

CREATE TABLE ward.patients (
  institution_id    uuid NOT NULL REFERENCES ward.institutions (id),
  id                uuid NOT NULL,
  identifier_type   text NOT NULL CHECK (length(identifier_type) BETWEEN 1 AND 40),
  identifier_value  text NOT NULL CHECK (length(identifier_value) BETWEEN 1 AND 64),
  family_name       text NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
  given_names       text NOT NULL CHECK (length(given_names) BETWEEN 1 AND 200),
  birth_date        date NOT NULL,
  sex               text NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  phone             text,
  email             text,
  address           text,
  -- Lower-cased "family given" for prefix and fuzzy (trigram) search.
  search_name       text GENERATED ALWAYS AS (lower(family_name || ' ' || given_names)) STORED,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1,
  PRIMARY KEY (institution_id, id),
  UNIQUE (institution_id, identifier_type, identifier_value)
);
CREATE INDEX patients_name_prefix_idx ON ward.patients (institution_id, search_name text_pattern_ops, id);
CREATE INDEX patients_name_trgm_idx ON ward.patients USING gin (search_name gin_trgm_ops);
CREATE INDEX patients_birth_date_idx ON ward.patients (institution_id, birth_date, id);
CREATE INDEX patients_identifier_value_idx ON ward.patients (institution_id, identifier_value);

CREATE TABLE ward.encounters (
  institution_id  uuid NOT NULL,
  id              uuid NOT NULL,
  patient_id      uuid NOT NULL,
  author_id       uuid NOT NULL REFERENCES ward.users (id),
  occurred_at     timestamptz NOT NULL,
  type            text NOT NULL CHECK (type IN ('outpatient', 'inpatient', 'emergency', 'home', 'telehealth')),
  reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (institution_id, id),
  FOREIGN KEY (institution_id, patient_id) REFERENCES ward.patients (institution_id, id)
);
CREATE INDEX encounters_patient_idx ON ward.encounters (institution_id, patient_id, occurred_at DESC);
CREATE INDEX encounters_author_idx ON ward.encounters (institution_id, author_id, patient_id, occurred_at DESC);

CREATE TABLE ward.clinical_notes (
  institution_id  uuid NOT NULL,
  id              uuid NOT NULL,
  encounter_id    uuid NOT NULL,
  patient_id      uuid NOT NULL,
  author_id       uuid NOT NULL REFERENCES ward.users (id),
  subjective      text NOT NULL DEFAULT '',
  objective       text NOT NULL DEFAULT '',
  assessment      text NOT NULL DEFAULT '',
  plan            text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
  signed_at       timestamptz,
  amends_note_id  uuid,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  PRIMARY KEY (institution_id, id),
  FOREIGN KEY (institution_id, encounter_id) REFERENCES ward.encounters (institution_id, id),
  FOREIGN KEY (institution_id, amends_note_id) REFERENCES ward.clinical_notes (institution_id, id),
  CHECK ((status = 'signed') = (signed_at IS NOT NULL))
);
CREATE INDEX clinical_notes_encounter_idx ON ward.clinical_notes (institution_id, encounter_id, created_at);

-- A signed note is part of the record: nothing may change or remove it, whoever asks. Corrections
-- are new notes that amend it.
CREATE FUNCTION ward.refuse_signed_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'signed' THEN
    RAISE EXCEPTION 'signed clinical note % is immutable; write an amendment', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER clinical_notes_signed_immutable
  BEFORE UPDATE OR DELETE ON ward.clinical_notes
  FOR EACH ROW EXECUTE FUNCTION ward.refuse_signed_note_change();

CREATE TABLE ward.diagnoses (
  institution_id  uuid NOT NULL,
  id              uuid NOT NULL,
  encounter_id    uuid NOT NULL,
  patient_id      uuid NOT NULL,
  code            text NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
  description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  recorded_by     uuid NOT NULL REFERENCES ward.users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (institution_id, id),
  FOREIGN KEY (institution_id, encounter_id) REFERENCES ward.encounters (institution_id, id)
);
CREATE INDEX diagnoses_patient_idx ON ward.diagnoses (institution_id, patient_id);

CREATE TABLE ward.allergies (
  institution_id  uuid NOT NULL,
  id              uuid NOT NULL,
  patient_id      uuid NOT NULL,
  substance       text NOT NULL CHECK (length(substance) BETWEEN 1 AND 200),
  reaction        text NOT NULL DEFAULT '',
  severity        text NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'unknown')),
  recorded_by     uuid NOT NULL REFERENCES ward.users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (institution_id, id),
  FOREIGN KEY (institution_id, patient_id) REFERENCES ward.patients (institution_id, id)
);

-- Justified access: a clinician without a care relationship states why, and may then read the
-- patient for a limited time; every grant is listed for review.
CREATE TABLE ward.access_justifications (
  institution_id  uuid NOT NULL,
  id              uuid NOT NULL,
  user_id         uuid NOT NULL REFERENCES ward.users (id),
  patient_id      uuid NOT NULL,
  reason          text NOT NULL CHECK (reason IN ('emergency', 'professional_consultation', 'patient_consultation', 'audit')),
  detail          text NOT NULL DEFAULT '' CHECK (length(detail) <= 1000),
  granted_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  reviewed_at     timestamptz,
  reviewed_by     uuid REFERENCES ward.users (id),
  PRIMARY KEY (institution_id, id),
  FOREIGN KEY (institution_id, patient_id) REFERENCES ward.patients (institution_id, id)
);
CREATE INDEX access_justifications_lookup_idx ON ward.access_justifications (institution_id, user_id, patient_id, expires_at DESC);

-- The audit trail. The runtime role may only INSERT and SELECT here (see runtime-role.ts). Each
-- row carries an HMAC made by the application (a row inserted out of band has none that verifies),
-- and a sealer links rows into a hash chain in `audit_seals` (an UPDATE or DELETE breaks it).
CREATE TABLE ward.audit_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        uuid NOT NULL UNIQUE,
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  institution_id  uuid,
  actor_id        uuid,
  actor_username  text,
  action          text NOT NULL,
  target_type     text,
  target_id       text,
  patient_id      uuid,
  outcome         text NOT NULL CHECK (outcome IN ('success', 'denied', 'failure')),
  ip              text,
  user_agent      text,
  reason          text,
  details         jsonb NOT NULL DEFAULT '{}',
  mac             text NOT NULL
);
CREATE INDEX audit_events_institution_idx ON ward.audit_events (institution_id, occurred_at DESC);
CREATE INDEX audit_events_actor_idx ON ward.audit_events (institution_id, actor_id, occurred_at DESC);
CREATE INDEX audit_events_patient_idx ON ward.audit_events (institution_id, patient_id, occurred_at DESC);

CREATE TABLE ward.audit_seals (
  chain_seq   bigint PRIMARY KEY,
  event_id    bigint NOT NULL UNIQUE,
  hash        bytea NOT NULL,
  sealed_at   timestamptz NOT NULL DEFAULT now()
);
