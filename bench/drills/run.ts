// `npm run drill -- NAME [options]`: runs one drill in a process of its own and exits with its
// status (0 on VERDICT: PASS). Without a name, lists the drills.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const DRILLS: Readonly<Record<string, string>> = {
  'db-outage':
    'PostgreSQL killed under load: 503s meanwhile, back within 5 s, no acknowledged write lost [--quick]',
  'password-guessing':
    'online guessing from 8 loopback addresses; the real user still signs in [--quick] [--guesses N]',
  fuzz: 'random and mutated requests on every route: no 5xx, errors in shape, nothing written [--quick] [--requests N] [--seed N]',
  sqlmap: 'sqlmap against sign-in, patient search and export parameters (installs sqlmap if missing)',
  testssl: 'testssl.sh against Ward in production mode with TLS (installs testssl.sh if missing)',
};

const [name, ...options] = process.argv.slice(2);
if (name === undefined || !(name in DRILLS)) {
  if (name !== undefined) console.error(`unknown drill ${name}`);
  console.log('npm run drill -- NAME [options]\n');
  for (const [drill, what] of Object.entries(DRILLS)) console.log(`  ${drill.padEnd(18)} ${what}`);
  process.exit(name === undefined ? 0 : 2);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, `${name}.ts`), ...options],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
