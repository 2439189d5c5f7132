-- An encounter recorded under a justified ("break-glass") access names that justification. Such an
-- encounter becomes a care relationship only once the justification has been reviewed: otherwise
-- one throwaway encounter would stretch a 24-hour grant, given for a stated reason and listed for
-- review, over the whole care-relationship window without anyone having looked at it. Encounters
-- recorded before this migration name none and keep counting, as they did.
ALTER TABLE ward.encounters ADD COLUMN justification_id uuid;
ALTER TABLE ward.encounters ADD FOREIGN KEY (institution_id, justification_id)
  REFERENCES ward.access_justifications (institution_id, id);
