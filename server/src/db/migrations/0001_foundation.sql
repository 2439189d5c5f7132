-- Ward's foundation: the application schema, deployment-wide settings, and the built-in
-- administrator's account. Later migrations add identity, sessions, clinical data and audit.

CREATE TABLE ward.deployment_settings (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ward.users (
  id                uuid PRIMARY KEY,
  username          text NOT NULL,
  display_name      text NOT NULL,
  email             text,
  password_hash     text,
  is_system_admin   boolean NOT NULL DEFAULT false,
  disabled_at       timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  version           integer NOT NULL DEFAULT 1,
  CONSTRAINT users_username_format CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,62}$')
);

CREATE UNIQUE INDEX users_username_key ON ward.users (username);

-- Kept apart from the runtime role: only the schema owner reads or writes it.
CREATE TABLE ward_private.runtime_credentials (
  role_name   text PRIMARY KEY,
  password    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
