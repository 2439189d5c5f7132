-- Staff identities, institutions, security levels, sign-in throttling and sessions.

CREATE TABLE ward.institutions (
  id                  uuid PRIMARY KEY,
  name                text NOT NULL,
  time_zone           text NOT NULL,
  two_factor_enabled  boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1
);

-- "In Administration > Users/Doctors, you can configure the security level of your credentials."
CREATE TABLE ward.security_levels (
  institution_id            uuid NOT NULL REFERENCES ward.institutions (id),
  id                        uuid NOT NULL,
  name                      text NOT NULL,
  min_length                integer NOT NULL CHECK (min_length BETWEEN 8 AND 64),
  history_count             integer NOT NULL CHECK (history_count BETWEEN 0 AND 24),
  max_age_days              integer NOT NULL CHECK (max_age_days BETWEEN 0 AND 3650),
  require_second_factor     boolean NOT NULL,
  idle_timeout_minutes      integer NOT NULL CHECK (idle_timeout_minutes BETWEEN 1 AND 1440),
  absolute_timeout_minutes  integer NOT NULL CHECK (absolute_timeout_minutes BETWEEN 5 AND 10080),
  composition_required      boolean NOT NULL DEFAULT false,
  version                   integer NOT NULL DEFAULT 1,
  PRIMARY KEY (institution_id, id),
  UNIQUE (institution_id, name)
);

CREATE TABLE ward.memberships (
  institution_id     uuid NOT NULL REFERENCES ward.institutions (id),
  user_id            uuid NOT NULL REFERENCES ward.users (id),
  roles              text[] NOT NULL CHECK (cardinality(roles) > 0),
  security_level_id  uuid NOT NULL,
  disabled_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  version            integer NOT NULL DEFAULT 1,
  PRIMARY KEY (institution_id, user_id),
  FOREIGN KEY (institution_id, security_level_id) REFERENCES ward.security_levels (institution_id, id)
);
CREATE INDEX memberships_user_idx ON ward.memberships (user_id);

ALTER TABLE ward.users
  ADD COLUMN password_changed_at timestamptz,
  ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

CREATE TABLE ward.password_history (
  user_id        uuid NOT NULL REFERENCES ward.users (id),
  password_hash  text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user_idx ON ward.password_history (user_id, created_at DESC);

-- One-time links to set or reset a password. Only a hash of the token is kept.
CREATE TABLE ward.password_tokens (
  token_hash  bytea PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES ward.users (id),
  purpose     text NOT NULL CHECK (purpose IN ('set', 'reset')),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_tokens_user_idx ON ward.password_tokens (user_id);

-- Every sign-in attempt, for the user's last-access banner and the sign-in history.
CREATE TABLE ward.sign_in_attempts (
  id          uuid PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  username    text NOT NULL,
  user_id     uuid REFERENCES ward.users (id),
  ip          text NOT NULL,
  user_agent  text NOT NULL,
  outcome     text NOT NULL
);
CREATE INDEX sign_in_attempts_user_idx ON ward.sign_in_attempts (user_id, at DESC);

-- Sign-in throttling counters shared by every node (when Redis is not configured).
CREATE TABLE ward.throttle_counters (
  key                   text PRIMARY KEY,
  consecutive_failures  integer NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  window_started_at     timestamptz NOT NULL DEFAULT now(),
  window_count          integer NOT NULL DEFAULT 0,
  updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ward.sessions (
  id                   uuid PRIMARY KEY,
  secret_hash          bytea NOT NULL UNIQUE,
  user_id              uuid NOT NULL REFERENCES ward.users (id),
  state                text NOT NULL CHECK (state IN ('active', 'password_change_required', 'second_factor_enrolment_required')),
  created_at           timestamptz NOT NULL DEFAULT now(),
  last_seen_at         timestamptz NOT NULL DEFAULT now(),
  idle_timeout_seconds integer NOT NULL,
  expires_at           timestamptz NOT NULL,
  ip                   text NOT NULL,
  user_agent           text NOT NULL,
  revoked_at           timestamptz,
  revoked_reason       text
);
CREATE INDEX sessions_user_idx ON ward.sessions (user_id) WHERE revoked_at IS NULL;
