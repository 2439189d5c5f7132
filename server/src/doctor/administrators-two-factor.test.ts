import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWard, type RunningWard } from '../../test/harness.ts';
import { administratorsTwoFactorCheck } from './administrators-two-factor.ts';
import { runDoctor } from './run.ts';

let ward: RunningWard;
before(async () => {
  ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
});
after(async () => {
  await ward.stop();
});

async function doctorLines(): Promise<string[]> {
  const lines: string[] = [];
  await runDoctor(ward.config, (l) => lines.push(l), { checks: [administratorsTwoFactorCheck] });
  return lines;
}

test('warns while the system administrator can sign in with a password alone', async () => {
  const lines = await doctorLines();
  assert.match(lines.join('\n'), /WARN .*admin \(system administrator, not enrolled\)/);
});

test('passes once the system administrator has a second factor', async () => {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: ward.database.url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO ward.two_factor (user_id, secret_ciphertext, enabled_at)
       SELECT id, 'v1.x.y.z', now() FROM ward.users WHERE username = 'admin'`,
    );
  } finally {
    await client.end();
  }
  const lines = await doctorLines();
  assert.match(lines.join('\n'), /PASS .*every administrator needs a second factor/);
});

test('is not run while two-factor is off for the deployment', async () => {
  const lines: string[] = [];
  await runDoctor(
    { ...ward.config, twoFactor: { ...ward.config.twoFactor, featureEnabled: false } },
    (l) => lines.push(l),
    {
      checks: [administratorsTwoFactorCheck],
    },
  );
  assert.ok(
    !lines.some((l) => l.includes('every administrator')) && !lines.some((l) => l.startsWith('WARN')),
  );
});
