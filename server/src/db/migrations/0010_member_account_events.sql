-- An institution's audit trail also shows the account-level events of its members: rows with no
-- institution, such as sign-ins and failed sign-ins (server/src/audit/trail-store.ts). These
-- indexes hold only rows with no institution, a small part of a trail that audited reads dominate,
-- so the write path barely pays for them.

-- Newest first, with what the viewer joins on: a large institution finds a page of its members'
-- events in an index-only walk of the latest few hundred. (A small one goes through its members
-- instead, on audit_events_actor_idx.)
CREATE INDEX audit_events_account_idx ON ward.audit_events (id) INCLUDE (actor_id, occurred_at)
  WHERE institution_id IS NULL;

-- The same per action, so that filtering by one (failed sign-ins, or an action no account-level
-- event has) does not walk them all.
CREATE INDEX audit_events_account_action_idx ON ward.audit_events (action, id) INCLUDE (actor_id, occurred_at)
  WHERE institution_id IS NULL;

-- Account-level events about a person rather than by them, found by that person.
CREATE INDEX audit_events_account_target_idx ON ward.audit_events (target_id, id)
  WHERE institution_id IS NULL AND target_type = 'user';
