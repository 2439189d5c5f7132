-- Access hours and the export permission per membership, and the fresh re-authentication an export
-- needs. (IF NOT EXISTS: 0005, the administration migration, may define the membership columns.)

ALTER TABLE ward.memberships
  ADD COLUMN IF NOT EXISTS access_hours jsonb NOT NULL DEFAULT '{"mode":"always"}',
  ADD COLUMN IF NOT EXISTS export_permission boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS export_permission_note text,
  ADD COLUMN IF NOT EXISTS export_permission_changed_at timestamptz,
  ADD COLUMN IF NOT EXISTS export_permission_changed_by uuid REFERENCES ward.users (id);

ALTER TABLE ward.sessions
  ADD COLUMN reauthenticated_at timestamptz;
