import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS } from './keys.ts';
import { configReference } from './reference.ts';

function rows(): string[] {
  return configReference()
    .split('\n')
    .filter((line) => line.startsWith('| `'));
}

/** The cells of a Markdown table row. GitHub splits on every unescaped pipe, even inside backticks. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

void describe('configReference', () => {
  void test('starts with the table header', () => {
    const [header, rule] = configReference().split('\n');
    assert.equal(header, '| key | environment | default | meaning |');
    assert.equal(rule, '|---|---|---|---|');
  });

  void test('has one row per key, in the order of the table', () => {
    const keysInRows = rows().map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);
    assert.deepEqual(
      keysInRows,
      KEYS.map((k) => k.key),
    );
  });

  void test('every key, alias, environment variable, default and meaning appears in its row', () => {
    const table = rows();
    for (const spec of KEYS) {
      const row = table.find((r) => r.startsWith(`| \`${spec.key}\``));
      assert.ok(row, `no row for ${spec.key}`);
      const [names, env, defaultText, meaning] = cells(row);
      assert.ok(names?.includes(`\`${spec.key}\``));
      for (const alias of spec.aliases ?? [])
        assert.ok(names?.includes(`\`${alias}\``), `${spec.key}: ${alias}`);
      for (const name of [spec.env, ...(spec.envAliases ?? [])]) {
        assert.ok(env?.includes(`\`${name}\``), `${spec.key}: ${name}`);
      }
      assert.equal(defaultText, spec.defaultText);
      assert.ok(meaning?.includes(spec.description), spec.key);
      for (const value of spec.values ?? [])
        assert.ok(meaning?.includes(`\`${value}\``), `${spec.key}: ${value}`);
    }
  });

  void test('the seed keys and their environment variables are documented', () => {
    const text = configReference();
    for (const name of [
      'admin.password',
      'google.recaptcha.enable',
      'google.recaptcha.secret.key',
      'google.recaptcha.site.key',
      'google.recaptcha.validator.url',
      'app.feature.HABILITAR_2FA',
      'app.feature.ENABLE_2FA',
      'auth.2fa.password',
      'token.secret',
      'WARD_TOKEN_SECRET',
      'WARD_APP_FEATURE_HABILITAR_2FA',
      'DATABASE_URL',
      'REDIS_URL',
    ]) {
      assert.ok(text.includes(`\`${name}\``), name);
    }
  });

  void test('every row has exactly four cells, so no text breaks the table', () => {
    for (const row of rows()) {
      assert.ok(row.endsWith(' |'), row);
      assert.equal(cells(row).length, 4, row);
      assert.ok(!row.includes('\n'));
    }
  });
});
