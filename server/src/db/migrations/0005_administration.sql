-- Administration of staff: per-membership access hours and data-export permission, set by the
-- institution's administrators (Administration > Users/Doctors). IF NOT EXISTS: a database that
-- applied 0006 (access hours and export) before this file existed already has the columns.

ALTER TABLE ward.memberships
  -- {"mode":"always"} or {"mode":"within"|"outside","windows":[{"days":[1..7],"start":"HH:MM","end":"HH:MM"}]},
  -- in the institution's time zone.
  ADD COLUMN IF NOT EXISTS access_hours jsonb NOT NULL DEFAULT '{"mode":"always"}',
  ADD COLUMN IF NOT EXISTS export_permission boolean NOT NULL DEFAULT false,
  -- Why it was granted (for example "anti-malware verified on 2026-11-20"), or why withdrawn.
  ADD COLUMN IF NOT EXISTS export_permission_note text,
  ADD COLUMN IF NOT EXISTS export_permission_changed_at timestamptz,
  ADD COLUMN IF NOT EXISTS export_permission_changed_by uuid REFERENCES ward.users (id);

ALTER TABLE ward.memberships
  ADD CONSTRAINT memberships_access_hours_mode
    CHECK (jsonb_typeof(access_hours) = 'object' AND access_hours ->> 'mode' IN ('always', 'within', 'outside')),
  ADD CONSTRAINT memberships_export_permission_note_length
    CHECK (length(export_permission_note) <= 500);

-- The administrators of an institution, found quickly for the "never lose the last one" check.
CREATE INDEX IF NOT EXISTS memberships_admins_idx ON ward.memberships (institution_id)
  WHERE disabled_at IS NULL AND 'institution_admin' = ANY (roles);
