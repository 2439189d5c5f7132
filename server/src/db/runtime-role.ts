import { randomBytes } from 'node:crypto';
import type pg from 'pg';

/**
 * What the runtime role may do, table by table: the one place that decides Ward's database
 * privileges. Tables not listed get SELECT, INSERT, UPDATE and DELETE. Nothing here ever grants
 * CREATE, ALTER, DROP, TRUNCATE, REFERENCES or TRIGGER: the runtime role owns nothing.
 */
export const TABLE_PRIVILEGES: Readonly<Record<string, readonly string[]>> = {
  'ward.schema_migrations': ['SELECT'],
  // The audit trail is append-only for the server: it can neither rewrite nor erase history.
  'ward.audit_events': ['SELECT', 'INSERT'],
  'ward.audit_seals': ['SELECT', 'INSERT'],
};

const DEFAULT_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/**
 * Grants the runtime role exactly what TABLE_PRIVILEGES says, revoking anything else first.
 * Runs as the schema owner after every migration, inside one transaction.
 */
export async function applyRuntimeGrants(owner: pg.ClientBase, role: string): Promise<void> {
  const r = owner.escapeIdentifier(role);
  const { rows } = await owner.query<{ name: string }>(
    `SELECT schemaname || '.' || tablename AS name FROM pg_tables WHERE schemaname = 'ward'`,
  );
  await owner.query('BEGIN');
  try {
    await owner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ward FROM ${r}`);
    await owner.query(`REVOKE ALL ON SCHEMA ward_private FROM ${r}`);
    await owner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ward_private FROM ${r}`);
    // PostgreSQL before 15 lets every role create objects in `public`.
    await owner.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await owner.query(`GRANT USAGE ON SCHEMA ward TO ${r}`);
    await owner.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ward TO ${r}`);
    for (const { name } of rows) {
      const privileges = TABLE_PRIVILEGES[name] ?? DEFAULT_PRIVILEGES;
      const [schema, table] = name.split('.') as [string, string];
      await owner.query(
        `GRANT ${privileges.join(', ')} ON ${owner.escapeIdentifier(schema)}.${owner.escapeIdentifier(table)} TO ${r}`,
      );
    }
    await owner.query('COMMIT');
  } catch (error) {
    await owner.query('ROLLBACK');
    throw error;
  }
}

/**
 * Creates (or repairs) the login role that the server uses at run time, with a random password
 * stored in `ward_private`, which only the owner can read. Every node sharing the database reads
 * the same password there, so nothing has to be copied between nodes.
 */
export async function provisionRuntimeRole(owner: pg.ClientBase, role: string): Promise<string> {
  const r = owner.escapeIdentifier(role);
  const taken = new Error(
    `role "${role}" already exists on this PostgreSQL server but was not created for this database (another deployment may use it): set database.runtime.role to a name of its own, or database.runtime.url to a data-only role you manage`,
  );
  await owner.query('BEGIN');
  try {
    const existing = await owner.query<{ password: string }>(
      'SELECT password FROM ward_private.runtime_credentials WHERE role_name = $1',
      [role],
    );
    const { rowCount } = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const roleExists = (rowCount ?? 0) > 0;
    let password = existing.rows[0]?.password;
    // Roles belong to the whole server: never take over one this database did not create.
    if (password === undefined && roleExists) throw taken;
    password ??= randomBytes(24).toString('base64url');
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${owner.escapeLiteral(password)}`;
    if (roleExists) {
      // Repairs the attributes and password if someone changed them.
      await owner.query(`ALTER ROLE ${r} ${attributes}`);
    } else {
      await owner.query(
        'INSERT INTO ward_private.runtime_credentials (role_name, password) VALUES ($1, $2)',
        [role, password],
      );
      await owner.query(`CREATE ROLE ${r} ${attributes}`);
    }
    await owner.query('COMMIT');
    return password;
  } catch (error) {
    await owner.query('ROLLBACK');
    const code = (error as { code?: string }).code;
    if (code === '42710') throw taken;
    if (code === '42501') {
      throw new Error(
        `the database owner may not create or alter role "${role}": grant it CREATEROLE, or create a data-only role yourself and set database.runtime.url (see the README, "Database roles")`,
        { cause: error },
      );
    }
    throw error;
  }
}

export interface RoleFacts {
  readonly name: string;
  readonly superuser: boolean;
  readonly createRole: boolean;
  readonly createDb: boolean;
  readonly bypassRls: boolean;
  /** Tables or schemas in the database that the role owns (it could alter or drop them). */
  readonly owns: number;
  /** Whether it may create objects in any schema of the database. */
  readonly canCreate: boolean;
}

/** What a connected role can do; `doctor` and the start-up checks judge from this. */
export async function describeCurrentRole(client: pg.ClientBase): Promise<RoleFacts> {
  const { rows } = await client.query<{
    name: string;
    superuser: boolean;
    create_role: boolean;
    create_db: boolean;
    bypass_rls: boolean;
    owns: string;
    can_create: boolean;
  }>(`
    SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolcreaterole AS create_role,
           r.rolcreatedb AS create_db, r.rolbypassrls AS bypass_rls,
           (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relowner = r.oid AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast'))
           + (SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid
             AND n.nspname NOT LIKE 'pg_%' AND n.nspname <> 'information_schema') AS owns,
           has_database_privilege(r.oid, current_database(), 'CREATE')
           OR EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname NOT LIKE 'pg_%'
                      AND n.nspname <> 'information_schema'
                      AND has_schema_privilege(r.oid, n.oid, 'CREATE')) AS can_create
      FROM pg_roles r WHERE r.rolname = current_user`);
  const row = rows[0];
  if (!row) throw new Error('current role not found in pg_roles');
  return {
    name: row.name,
    superuser: row.superuser,
    createRole: row.create_role,
    createDb: row.create_db,
    bypassRls: row.bypass_rls,
    owns: Number(row.owns),
    canCreate: row.can_create,
  };
}

/** Why a runtime role has more power than data access, one line per finding; empty when it is fit. */
export function runtimeRoleProblems(facts: RoleFacts): string[] {
  const problems: string[] = [];
  if (facts.superuser) problems.push(`role "${facts.name}" is a superuser`);
  if (facts.createRole) problems.push(`role "${facts.name}" may create roles`);
  if (facts.createDb) problems.push(`role "${facts.name}" may create databases`);
  if (facts.bypassRls) problems.push(`role "${facts.name}" bypasses row-level security`);
  if (facts.owns > 0)
    problems.push(`role "${facts.name}" owns ${facts.owns} tables or schemas (it could alter or drop them)`);
  if (facts.canCreate) problems.push(`role "${facts.name}" may create objects in the database`);
  return problems;
}
