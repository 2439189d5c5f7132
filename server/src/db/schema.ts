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
  password_changed_at: Date | null;
  must_change_password: Generated<boolean>;
}

export interface InstitutionsTable {
  id: string;
  name: string;
  time_zone: string;
  two_factor_enabled: Generated<boolean>;
  justified_access_hours: Generated<number>;
  care_relationship_days: Generated<number>;
  nurses_write_notes: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface SecurityLevelsTable {
  institution_id: string;
  id: string;
  name: string;
  min_length: number;
  history_count: number;
  max_age_days: number;
  require_second_factor: boolean;
  idle_timeout_minutes: number;
  absolute_timeout_minutes: number;
  composition_required: Generated<boolean>;
  version: Generated<number>;
}

export interface MembershipsTable {
  institution_id: string;
  user_id: string;
  roles: string[];
  security_level_id: string;
  /** AccessHours (server/src/access/hours.ts) as JSON. */
  access_hours: ColumnType<unknown, string | undefined, string>;
  export_permission: Generated<boolean>;
  export_permission_note: string | null;
  export_permission_changed_at: Date | null;
  export_permission_changed_by: string | null;
  disabled_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  created_at: Timestamp;
}

export interface PasswordTokensTable {
  token_hash: Buffer;
  user_id: string;
  purpose: 'set' | 'reset';
  expires_at: Date;
  used_at: Date | null;
  created_at: Timestamp;
}

export interface SignInAttemptsTable {
  id: string;
  at: Timestamp;
  username: string;
  user_id: string | null;
  ip: string;
  user_agent: string;
  outcome: string;
}

export interface ThrottleCountersTable {
  key: string;
  consecutive_failures: Generated<number>;
  locked_until: Date | null;
  window_started_at: Timestamp;
  window_count: Generated<number>;
  updated_at: Timestamp;
}

export interface UsedAltchaChallengesTable {
  signature: string;
  expires_at: Date;
}

export type SessionState = 'active' | 'password_change_required' | 'second_factor_enrolment_required';

export interface SessionsTable {
  id: string;
  secret_hash: Buffer;
  user_id: string;
  state: SessionState;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_timeout_seconds: number;
  expires_at: Date;
  ip: string;
  user_agent: string;
  revoked_at: Date | null;
  revoked_reason: string | null;
  reauthenticated_at: Date | null;
}

export interface TwoFactorTable {
  user_id: string;
  secret_ciphertext: string | null;
  enabled_at: Date | null;
  pending_ciphertext: string | null;
  pending_created_at: Date | null;
  last_used_step: string | null;
  reset_at: Date | null;
  reset_noticed_at: Date | null;
  updated_at: Timestamp;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  used_at: Date | null;
  created_at: Timestamp;
}

export interface SecondFactorChallengesTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Date;
  failures: Generated<number>;
  consumed_at: Date | null;
  ip: string;
  user_agent: string;
  device_key: string;
}

export interface PatientsTable {
  institution_id: string;
  id: string;
  identifier_type: string;
  identifier_value: string;
  family_name: string;
  given_names: string;
  birth_date: ColumnType<string, string, string>;
  sex: 'female' | 'male' | 'other' | 'unknown';
  phone: string | null;
  email: string | null;
  address: string | null;
  search_name: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface EncountersTable {
  institution_id: string;
  id: string;
  patient_id: string;
  author_id: string;
  occurred_at: Date;
  type: 'outpatient' | 'inpatient' | 'emergency' | 'home' | 'telehealth';
  reason: string;
  /** The justified access it was recorded under: a care relationship only once that is reviewed. */
  justification_id: string | null;
  created_at: Timestamp;
}

export interface ClinicalNotesTable {
  institution_id: string;
  id: string;
  encounter_id: string;
  patient_id: string;
  author_id: string;
  subjective: Generated<string>;
  objective: Generated<string>;
  assessment: Generated<string>;
  plan: Generated<string>;
  status: Generated<'draft' | 'signed'>;
  signed_at: Date | null;
  amends_note_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface DiagnosesTable {
  institution_id: string;
  id: string;
  encounter_id: string;
  patient_id: string;
  code: string;
  description: string;
  recorded_by: string;
  created_at: Timestamp;
}

export interface AllergiesTable {
  institution_id: string;
  id: string;
  patient_id: string;
  substance: string;
  reaction: string;
  severity: 'mild' | 'moderate' | 'severe' | 'unknown';
  recorded_by: string;
  created_at: Timestamp;
}

export interface AccessJustificationsTable {
  institution_id: string;
  id: string;
  user_id: string;
  patient_id: string;
  reason: 'emergency' | 'professional_consultation' | 'patient_consultation' | 'audit';
  detail: Generated<string>;
  granted_at: Timestamp;
  expires_at: Date;
  reviewed_at: Date | null;
  reviewed_by: string | null;
}

export interface AuditEventsTable {
  id: Generated<string>;
  event_id: string;
  occurred_at: Timestamp;
  institution_id: string | null;
  actor_id: string | null;
  actor_username: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  patient_id: string | null;
  outcome: string;
  ip: string | null;
  user_agent: string | null;
  reason: string | null;
  details: ColumnType<unknown, string, string>;
  mac: string;
}

export interface AuditSealsTable {
  chain_seq: string;
  event_id: string;
  hash: Buffer;
  sealed_at: Timestamp;
}

export interface Schema {
  'ward.deployment_settings': DeploymentSettingsTable;
  'ward.users': UsersTable;
  'ward.institutions': InstitutionsTable;
  'ward.security_levels': SecurityLevelsTable;
  'ward.memberships': MembershipsTable;
  'ward.password_history': PasswordHistoryTable;
  'ward.password_tokens': PasswordTokensTable;
  'ward.sign_in_attempts': SignInAttemptsTable;
  'ward.throttle_counters': ThrottleCountersTable;
  'ward.used_altcha_challenges': UsedAltchaChallengesTable;
  'ward.sessions': SessionsTable;
  'ward.two_factor': TwoFactorTable;
  'ward.recovery_codes': RecoveryCodesTable;
  'ward.second_factor_challenges': SecondFactorChallengesTable;
  'ward.patients': PatientsTable;
  'ward.encounters': EncountersTable;
  'ward.clinical_notes': ClinicalNotesTable;
  'ward.diagnoses': DiagnosesTable;
  'ward.allergies': AllergiesTable;
  'ward.access_justifications': AccessJustificationsTable;
  'ward.audit_events': AuditEventsTable;
  'ward.audit_seals': AuditSealsTable;
}
