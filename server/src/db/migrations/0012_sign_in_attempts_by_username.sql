-- The last-access banner's count of failures since the previous sign-in, and the sign-in history,
-- find attempts by username: failures on a name count whether or not it was looked up to an account.
-- Without this index each `GET /api/me` read the whole table: 300 ms at 2,000,000 attempts, 1.6 ms
-- with it (docs/benchmarks.md).
CREATE INDEX IF NOT EXISTS sign_in_attempts_username_idx ON ward.sign_in_attempts (username, at DESC);
