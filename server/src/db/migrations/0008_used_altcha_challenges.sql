-- ALTCHA challenges already redeemed, shared by every node (when Redis is not configured): a solution
-- redeemed on one node is refused on every other. A row is kept until its challenge expires, after
-- which the challenge is refused as expired anyway; expired rows are swept in small batches.
CREATE TABLE ward.used_altcha_challenges (
  signature   text PRIMARY KEY,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX used_altcha_challenges_expiry_idx ON ward.used_altcha_challenges (expires_at);
