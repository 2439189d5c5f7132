-- Two-factor authentication: encrypted TOTP secrets, recovery codes, and sign-in challenges.

CREATE TABLE ward.two_factor (
  user_id              uuid PRIMARY KEY REFERENCES ward.users (id),
  -- `v1.<key id>.<nonce>.<ciphertext>`: AES-256-GCM under the key derived from auth.2fa.password.
  secret_ciphertext    text,
  enabled_at           timestamptz,
  pending_ciphertext   text,
  pending_created_at   timestamptz,
  -- The last TOTP time step accepted: each step is accepted once.
  last_used_step       bigint,
  -- Set when an administrator resets two-factor; shown to the user at the next sign-in.
  reset_at             timestamptz,
  reset_noticed_at     timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ward.recovery_codes (
  user_id    uuid NOT NULL REFERENCES ward.users (id),
  code_hash  text NOT NULL,
  used_at    timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE ward.second_factor_challenges (
  id           uuid PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES ward.users (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  failures     integer NOT NULL DEFAULT 0,
  consumed_at  timestamptz,
  ip           text NOT NULL,
  user_agent   text NOT NULL,
  device_key   text NOT NULL
);
CREATE INDEX second_factor_challenges_user_idx ON ward.second_factor_challenges (user_id);
