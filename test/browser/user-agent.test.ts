// The device names the last-access banner and the sessions list show: a user must recognise their own
// browsers in them, and tell a stranger's apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseUserAgent } from '../../web/src/format/user-agent.ts';

const cases: [string, string, { browser: string | null; os: string | null }][] = [
  [
    'Chrome on Windows',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    { browser: 'Chrome 131', os: 'Windows' },
  ],
  [
    'Edge, which also says Chrome',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
    { browser: 'Edge 131', os: 'Windows' },
  ],
  [
    'Firefox on Linux',
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    { browser: 'Firefox 128', os: 'Linux' },
  ],
  [
    'Safari on an iPhone, which also says Mac OS X',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    { browser: 'Safari 17', os: 'iPhone' },
  ],
  [
    'Safari on a Mac',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    { browser: 'Safari 17', os: 'macOS' },
  ],
  [
    'Chrome on Android, which also says Linux',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    { browser: 'Chrome 131', os: 'Android' },
  ],
  [
    'Samsung Internet',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
    { browser: 'Samsung Internet 25', os: 'Android' },
  ],
  ['a script', 'curl/8.5.0', { browser: 'curl 8', os: null }],
  ['nothing at all', '', { browser: null, os: null }],
];

for (const [name, userAgent, expected] of cases) {
  void test(`names ${name}`, () => {
    assert.deepEqual(summariseUserAgent(userAgent), expected);
  });
}
