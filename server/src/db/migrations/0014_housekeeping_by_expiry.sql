-- The housekeeping job (server/src/housekeeping/) deletes ended sessions and expired two-factor
-- challenges a batch at a time, every few minutes on every node. Nearly every run finds few rows
-- due, and without these indexes each found them by reading the whole table: 867 ms at 2,000,000
-- sessions (a month kept at 2,000,000 sign-ins a month), 165 ms for the challenges after a first
-- purge of 2,000,000; 0.6 ms and 0.2 ms with them (docs/benchmarks.md). Neither column is ever
-- updated, so each costs a sign-in one index entry and leaves updates of the row as they were.
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON ward.sessions (expires_at);
CREATE INDEX IF NOT EXISTS second_factor_challenges_expiry_idx ON ward.second_factor_challenges (expires_at);
