import type { ColumnType, Generated } from 'kysely';

// Kysely's view of Ward's tables; kept in step with the migrations in ./migrations.

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface DeploymentSettingsTable {
  key: string;
  value: string;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  is_system_admin: Generated<boolean>;
  disabled_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface Schema {
  'ward.deployment_settings': DeploymentSettingsTable;
  'ward.users': UsersTable;
}
