import pg from 'pg';
import { describeCurrentRole, runtimeRoleProblems } from '../db/runtime-role.ts';
import { fail, pass, type Check, type CheckResult, type DoctorContext } from './check.ts';
import { CHECKLIST } from './checklist.ts';

async function currentRole(connection: pg.ClientConfig): Promise<string> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT current_user AS name');
    return rows[0]?.name ?? '';
  } finally {
    await client.end();
  }
}

/** The server must run as a role that reads and writes data and nothing more; migrations run as the owner. */
async function judgeDatabaseRoles({ config, database }: DoctorContext): Promise<CheckResult> {
  const { pool, owner } = await database();
  const client = await pool.connect();
  let facts;
  try {
    facts = await describeCurrentRole(client);
  } finally {
    client.release();
  }
  const ownerRole = await currentRole(owner);
  const problems = runtimeRoleProblems(facts);
  if (facts.name === ownerRole) {
    problems.unshift(`the server runs as "${ownerRole}", the schema owner that runs migrations`);
  }
  if (problems.length > 0) {
    return fail(
      problems.join('; '),
      config.database.runtimeUrl === undefined
        ? `give the schema owner CREATEROLE so Ward can manage the runtime role "${config.database.runtimeRole}", or set database.runtime.url to a role with data access only (README, "Database roles")`
        : 'point database.runtime.url at a login role with data access only (NOSUPERUSER, NOCREATEDB, NOCREATEROLE, owning nothing), or remove it to let Ward create one (README, "Database roles")',
    );
  }
  return pass(`the server runs as "${facts.name}" with data access only; migrations run as "${ownerRole}"`);
}

export const databaseRolesCheck: Check = {
  id: 'database-roles',
  title: CHECKLIST.databaseRoles,
  run: judgeDatabaseRoles,
};
