// The drills that drive outside tools (sqlmap, testssl.sh) run on demand; their verdicts come from
// reading the tools' output, checked here against what the tools print when they do find something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSqlmapOutput } from '../../bench/drills/sqlmap.ts';
import { judgeTestssl, type TestsslFinding } from '../../bench/drills/testssl.ts';

test('sqlmap output: a found injection is read as injectable, a clean run as finished and clean', () => {
  const found = readSqlmapOutput(
    [
      "[10:00:01] [INFO] GET parameter 'q' appears to be 'PostgreSQL AND boolean-based blind' injectable",
      "[10:00:02] [INFO] GET parameter 'q' is 'PostgreSQL AND boolean-based blind - WHERE or HAVING clause' injectable",
      'sqlmap identified the following injection point(s) with a total of 40 HTTP(s) requests:',
    ].join('\n'),
  );
  assert.equal(found.injectable.length, 2);
  assert.equal(found.finished, true);

  const clean = readSqlmapOutput(
    [
      "[10:00:01] [WARNING] heuristic (basic) test shows that GET parameter 'q' might be injectable",
      "[10:00:02] [WARNING] GET parameter 'q' does not seem to be injectable",
      '[10:00:03] [ERROR] all tested parameters do not appear to be injectable.',
    ].join('\n'),
  );
  assert.deepEqual(clean.injectable, []);
  assert.equal(clean.finished, true);

  const stopped = readSqlmapOutput(
    '[10:00:01] [ERROR] not authorized, try to provide right HTTP authentication',
  );
  assert.equal(stopped.finished, false, 'a run that stopped early is not a clean result');
});

function finding(id: string, finding: string, severity = 'OK'): TestsslFinding {
  return { id, finding, severity };
}

const GOOD: TestsslFinding[] = [
  finding('SSLv2', 'not offered'),
  finding('SSLv3', 'not offered'),
  finding('TLS1', 'not offered', 'INFO'),
  finding('TLS1_1', 'not offered', 'INFO'),
  finding('TLS1_2', 'offered'),
  finding('TLS1_3', 'offered with final'),
  finding('cipherlist_NULL', 'not offered'),
  finding('cipherlist_aNULL', 'not offered'),
  finding('cipherlist_EXPORT', 'not offered'),
  finding('cipherlist_LOW', 'not offered'),
  finding('cipherlist_3DES_IDEA', 'not offered', 'INFO'),
  finding('PFS', 'offered'),
  finding('HSTS_time', '365 days (=31536000 seconds) > 15552000 seconds'),
];

test('testssl findings: a strict configuration passes, each weakness fails it', () => {
  assert.deepEqual(judgeTestssl(GOOD), []);
  const replace = (id: string, value: TestsslFinding): TestsslFinding[] =>
    GOOD.map((f) => (f.id === id ? value : f));
  assert.equal(judgeTestssl(replace('TLS1_1', finding('TLS1_1', 'offered (deprecated)', 'LOW'))).length, 1);
  assert.equal(
    judgeTestssl(replace('cipherlist_3DES_IDEA', finding('cipherlist_3DES_IDEA', 'offered', 'MEDIUM')))
      .length,
    1,
  );
  assert.equal(judgeTestssl(replace('PFS', finding('PFS', 'not offered', 'MEDIUM'))).length, 1);
  assert.equal(judgeTestssl(GOOD.filter((f) => f.id !== 'HSTS_time')).length, 1);
  assert.ok(judgeTestssl([...GOOD, finding('heartbleed', 'VULNERABLE', 'CRITICAL')]).length > 0);
});
