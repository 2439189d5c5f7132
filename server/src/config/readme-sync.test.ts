import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { configReference } from './reference.ts';

test("the README's configuration table is the one generated from the key table", () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  for (const row of configReference().trim().split('\n')) {
    assert.ok(readme.includes(row), `README.md lacks this row (run \`ward config-reference\`):\n${row}`);
  }
});
