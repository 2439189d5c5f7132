-- Reads that found their rows among a whole institution's: an institution's primary key leads every
-- table here, so without these indexes PostgreSQL read all of a large institution's rows to find
-- one patient's (docs/benchmarks.md, measured at 3,500,000 notes, 1,000,000 allergies and 300,000
-- justified accesses).

-- A patient's record (`GET .../record` and `.../encounters`, server/src/records/store.ts) reads
-- the patient's notes and allergies in the order it shows them: 683 ms and 315 ms before, under
-- 1 ms with these.
CREATE INDEX IF NOT EXISTS clinical_notes_patient_idx ON ward.clinical_notes (institution_id, patient_id, created_at);
CREATE INDEX IF NOT EXISTS allergies_patient_idx ON ward.allergies (institution_id, patient_id, created_at);

-- The review list of justified accesses (`GET .../access-justifications`,
-- justificationsForReview in server/src/access/clinical-access.ts), the latest 500 granted: newest
-- first from the index, and the reviewers' usual list, those not yet reviewed, from an index that
-- holds only them (a review takes the row out), so that it does not walk every reviewed one to find
-- the few left.
CREATE INDEX IF NOT EXISTS access_justifications_granted_idx ON ward.access_justifications (institution_id, granted_at DESC);
CREATE INDEX IF NOT EXISTS access_justifications_unreviewed_idx ON ward.access_justifications (institution_id, granted_at DESC)
  WHERE reviewed_at IS NULL;
