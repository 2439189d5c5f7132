import { parseArgs } from 'node:util';
import { auditKeyFrom, AuditLog } from '../audit/log.ts';
import { UsageError, type Print } from '../cli/identity-commands.ts';
import { withDevelopmentSecrets } from '../config/secrets.ts';
import type { WardConfig } from '../config/types.ts';
import { openDatabase } from '../db/database.ts';
import {
  DEFAULT_DEMO_INSTITUTION,
  demoPasswordProblems,
  MAX_SEED_PATIENTS,
  SeedRefusedError,
  seedDemo,
} from './seed.ts';

const quietLog = {
  info: () => undefined,
  debug: () => undefined,
  warn: (m: string) => {
    process.stderr.write(`${m}\n`);
  },
  error: (m: string) => {
    process.stderr.write(`${m}\n`);
  },
};

function patientCount(value: string | undefined): number {
  if (value === undefined)
    throw new UsageError('--patients is required (for example --patients 1000; at most 1000000)');
  const n = Number(value.replaceAll('_', ''));
  if (!/^\d[\d_]*$/.test(value) || !Number.isSafeInteger(n) || n > MAX_SEED_PATIENTS) {
    throw new UsageError(`--patients must be a whole number from 0 to ${MAX_SEED_PATIENTS}, not "${value}"`);
  }
  return n;
}

/**
 * `ward seed --patients N [--demo-password P] [--institution NAME] [--username-prefix demo]`:
 * a demo institution, one user per role and N synthetic patients with encounters. Development
 * deployments only: demo accounts with printed passwords have no place in production.
 */
export async function seedCommand(
  config: WardConfig,
  args: readonly string[],
  print: Print,
  printError: Print = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      patients: { type: 'string' },
      'demo-password': { type: 'string' },
      institution: { type: 'string' },
      'username-prefix': { type: 'string' },
    },
    strict: true,
  });
  const patients = patientCount(values.patients);
  const institutionName = values.institution?.trim() ?? DEFAULT_DEMO_INSTITUTION;
  const usernamePrefix = values['username-prefix']?.trim().toLowerCase() ?? 'demo';
  const demoPassword = values['demo-password'];
  if (config.mode === 'production') {
    printError(
      'ward seed: refused: this is a production deployment (app.mode=production); demo accounts and synthetic patients belong in a development one',
    );
    return 1;
  }
  if (demoPassword !== undefined) {
    const problems = demoPasswordProblems(demoPassword, { institutionName, usernamePrefix });
    if (problems.length > 0) {
      printError('ward seed: the --demo-password is refused:');
      for (const problem of problems) printError(`  - ${problem}`);
      return 2;
    }
  }

  // The audit key is the server's own (in development, from the generated secrets file).
  const secret = withDevelopmentSecrets(config).config.token.secret;
  const database = await openDatabase(config, quietLog);
  try {
    print(`seeding "${institutionName}": one user per role and ${patients} patients with encounters`);
    const started = performance.now();
    const seconds = (): string => ((performance.now() - started) / 1000).toFixed(1);
    const result = await seedDemo(database.db, {
      patients,
      demoPassword,
      institutionName,
      usernamePrefix,
      audit: secret === undefined ? undefined : new AuditLog(database.db, auditKeyFrom(secret)),
      onProgress: (p) => {
        print(`  patients ${p.patients}/${p.total}, encounters ${p.encounters} (${seconds()} s)`);
      },
    });
    print(
      `done in ${seconds()} s: institution "${result.institutionName}" (${result.institutionId}), ${result.patients} patients, ${result.encounters} encounters`,
    );
    print(
      demoPassword === undefined
        ? 'users (their passwords are shown this once and stored nowhere else):'
        : 'users (password: the one given with --demo-password):',
    );
    const width = Math.max(...result.users.map((u) => u.username.length));
    for (const user of result.users) {
      const password = demoPassword === undefined ? `  ${user.password}` : '';
      print(`  ${user.role.padEnd(18)} ${user.username.padEnd(width)}${password}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof SeedRefusedError) {
      printError(`ward seed: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}
