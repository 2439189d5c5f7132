-- The audit viewer pages an institution's trail newest first by id (server/src/audit/trail-store.ts).
-- Filtered by an action that is rare among millions of patient reads, the planner walked the whole
-- institution backwards by id and discarded nearly every row: seconds at 3,000,000 rows. These
-- indexes hold each filter's rows in id order, so a page is a walk of matching rows only. Every
-- audited request inserts into each index on this table, so there are as few as the filters need
-- (docs/benchmarks.md, "The audit viewer's filters at scale").

-- Filtered by action: a rare one is a handful of entries, an absent one none.
CREATE INDEX IF NOT EXISTS audit_events_action_idx ON ward.audit_events (institution_id, action, id);

-- Filtered by user, and by user and action together: a user's own events of one action, even when
-- both the user and the action are common and never meet. It replaces the (institution, actor,
-- time) index of 0004, whose time order this query cannot use; its (institution, actor) prefix
-- serves a filter by user alone as well as that one did.
CREATE INDEX IF NOT EXISTS audit_events_actor_action_idx ON ward.audit_events (institution_id, actor_id, action, id);
DROP INDEX IF EXISTS ward.audit_events_actor_idx;
