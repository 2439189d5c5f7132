import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HOTP, Secret, TOTP, URI } from 'otpauth';
import {
  formatSecretForReading,
  generateTotpSecret,
  isReplay,
  matchTotpStep,
  otpauthUri,
  qrSvg,
  secretToBase32,
  totpStepAt,
} from './totp.ts';

// RFC 6238 Appendix B / RFC 4226 Appendix D seeds: ASCII "1234567890" repeated to the hash's key size.
const RFC_SEED_SHA1 = '12345678901234567890';
const RFC_SEED_SHA256 = RFC_SEED_SHA1 + '123456789012';
const RFC_SEED_SHA512 = RFC_SEED_SHA1.repeat(3) + '1234';
const rfcSecretBytes = new TextEncoder().encode(RFC_SEED_SHA1);

function codeAtStep(secret: Uint8Array, step: number): string {
  return TOTP.generate({
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
    timestamp: step * 30_000,
  });
}

void describe('RFC test vectors (the library as configured)', () => {
  // RFC 6238 Appendix B: [unix time, SHA-1, SHA-256, SHA-512], 8 digits, 30 s.
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];

  void test('RFC 6238 TOTP, SHA-1, SHA-256 and SHA-512, 8 digits', () => {
    for (const [time, sha1, sha256, sha512] of vectors) {
      const at = (seed: string, algorithm: string): string =>
        TOTP.generate({
          secret: Secret.fromLatin1(seed),
          algorithm,
          digits: 8,
          period: 30,
          timestamp: time * 1000,
        });
      assert.equal(at(RFC_SEED_SHA1, 'SHA1'), sha1, `SHA1 at ${time}`);
      assert.equal(at(RFC_SEED_SHA256, 'SHA256'), sha256, `SHA256 at ${time}`);
      assert.equal(at(RFC_SEED_SHA512, 'SHA512'), sha512, `SHA512 at ${time}`);
    }
  });

  void test('RFC 4226 HOTP, counts 0 to 9', () => {
    const expected = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ];
    expected.forEach((code, counter) => {
      assert.equal(
        HOTP.generate({ secret: Secret.fromLatin1(RFC_SEED_SHA1), counter }),
        code,
        `count ${counter}`,
      );
    });
  });

  void test('matchTotpStep accepts the 6-digit form of each RFC 6238 SHA-1 vector at its time', () => {
    for (const [time, sha1] of vectors) {
      // Dynamic truncation modulo 10^6 is the last six digits of the 8-digit value.
      const step = matchTotpStep({ secret: rfcSecretBytes, code: sha1.slice(2), now: time * 1000 });
      assert.equal(step, Math.floor(time / 30), `at ${time}`);
    }
  });
});

void describe('codes from an independent generator (oathtool)', () => {
  const oathtoolMissing = ((): boolean => {
    try {
      execFileSync('oathtool', ['--version'], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  })();
  const skip = oathtoolMissing ? 'oathtool is not installed (Debian package "oathtool")' : false;
  const oathtool = (base32: string, when: string): string =>
    execFileSync('oathtool', ['--totp', '-b', base32, '--now', when], { encoding: 'utf8' }).trim();

  const fixedTime = Date.UTC(2026, 10, 23, 10, 0, 0); // 2026-11-23 10:00:00 UTC
  const fixedStep = Math.floor(fixedTime / 30_000);

  void test('a code oathtool computes from the shown secret is accepted at that time', { skip }, () => {
    const secret = generateTotpSecret();
    const code = oathtool(secretToBase32(secret), '2026-11-23 10:00:00 UTC');
    assert.match(code, /^[0-9]{6}$/);
    assert.equal(matchTotpStep({ secret, code, now: fixedTime }), fixedStep);
  });

  void test('the spaced reading form, typed into another tool, yields codes Ward accepts', { skip }, () => {
    const secret = generateTotpSecret();
    const typed = formatSecretForReading(secretToBase32(secret)).toLowerCase();
    const code = oathtool(typed, '2026-11-23 10:00:00 UTC');
    assert.equal(matchTotpStep({ secret, code, now: fixedTime }), fixedStep);
  });

  void test('oathtool codes one step away are accepted, two steps away refused', { skip }, () => {
    const secret = rfcSecretBytes;
    const base32 = secretToBase32(secret);
    const previous = oathtool(base32, '2026-11-23 09:59:30 UTC');
    const next = oathtool(base32, '2026-11-23 10:00:30 UTC');
    const twoAhead = oathtool(base32, '2026-11-23 10:01:00 UTC');
    assert.equal(matchTotpStep({ secret, code: previous, now: fixedTime }), fixedStep - 1);
    assert.equal(matchTotpStep({ secret, code: next, now: fixedTime }), fixedStep + 1);
    assert.equal(matchTotpStep({ secret, code: twoAhead, now: fixedTime }), null);
  });
});

void describe('matchTotpStep', () => {
  const secret = rfcSecretBytes;
  const step = 59_847_600; // 2026-11-23 10:00:00 UTC
  const midStep = step * 30_000 + 12_345;

  void test('accepts the previous, current and next step and returns which one matched', () => {
    for (const offset of [-1, 0, 1]) {
      assert.equal(
        matchTotpStep({ secret, code: codeAtStep(secret, step + offset), now: midStep }),
        step + offset,
      );
    }
  });

  void test('refuses codes two steps old or two steps ahead', () => {
    const nearby = new Set([-1, 0, 1].map((offset) => codeAtStep(secret, step + offset)));
    for (const offset of [-2, 2]) {
      const code = codeAtStep(secret, step + offset);
      assert.ok(!nearby.has(code), 'test precondition: the far code differs from the near ones');
      assert.equal(matchTotpStep({ secret, code, now: midStep }), null, `offset ${offset}`);
    }
  });

  void test('the window moves exactly at step boundaries', () => {
    const firstMsOfStep = step * 30_000;
    const oldCode = codeAtStep(secret, step - 1);
    assert.equal(matchTotpStep({ secret, code: oldCode, now: firstMsOfStep + 29_999 }), step - 1);
    assert.equal(matchTotpStep({ secret, code: oldCode, now: firstMsOfStep + 30_000 }), null);
    assert.equal(totpStepAt(firstMsOfStep - 1), step - 1);
    assert.equal(totpStepAt(firstMsOfStep), step);
  });

  void test('window 0 accepts only the current step', () => {
    assert.equal(matchTotpStep({ secret, code: codeAtStep(secret, step), now: midStep, window: 0 }), step);
    assert.equal(
      matchTotpStep({ secret, code: codeAtStep(secret, step + 1), now: midStep, window: 0 }),
      null,
    );
  });

  void test('accepts a code typed with spaces', () => {
    const code = codeAtStep(secret, step);
    assert.equal(
      matchTotpStep({ secret, code: ` ${code.slice(0, 3)} ${code.slice(3)} `, now: midStep }),
      step,
    );
  });

  void test('refuses malformed codes', () => {
    const code = codeAtStep(secret, step);
    const fullWidth = code.replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit)));
    const eightDigits = TOTP.generate({
      secret: Secret.fromLatin1(RFC_SEED_SHA1),
      digits: 8,
      timestamp: midStep,
    });
    assert.equal(eightDigits.slice(2), code, 'test precondition: the 8-digit code ends with the 6-digit one');
    for (const bad of [
      code.slice(0, 5),
      code + '0',
      eightDigits,
      'abcdef',
      `${code.slice(0, 5)}a`,
      '',
      fullWidth,
    ]) {
      assert.equal(matchTotpStep({ secret, code: bad, now: midStep }), null, JSON.stringify(bad));
    }
  });

  void test('a missing or short secret is an error, never "any code passes"', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(15)]) {
      assert.throws(() => matchTotpStep({ secret: bad, code: '000000', now: midStep }), RangeError);
    }
  });

  void test('a different secret does not match', () => {
    const other = new TextEncoder().encode('abcdefghijabcdefghij');
    const code = codeAtStep(secret, step);
    const otherNearby = [-1, 0, 1].map((offset) => codeAtStep(other, step + offset));
    assert.ok(!otherNearby.includes(code), 'test precondition: the secrets give different codes');
    assert.equal(matchTotpStep({ secret: other, code, now: midStep }), null);
  });
});

void describe('isReplay', () => {
  void test('the first use of any step is not a replay', () => {
    assert.equal(isReplay(100, null), false);
  });

  void test('a later step is accepted, the same or an earlier step is a replay', () => {
    assert.equal(isReplay(101, 100), false);
    assert.equal(isReplay(100, 100), true);
    assert.equal(isReplay(99, 100), true);
  });
});

void describe('secret and enrolment data', () => {
  void test('secrets are 160 bits and differ every time', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    assert.equal(a.length, 20);
    assert.equal(b.length, 20);
    assert.notDeepEqual(a, b);
  });

  void test('base32 and the reading form', () => {
    const base32 = secretToBase32(rfcSecretBytes);
    assert.equal(base32, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(formatSecretForReading(base32), 'GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    assert.equal(formatSecretForReading('ABCDEF'), 'ABCD EF');
  });

  void test('the otpauth URI has the exact form authenticator apps read', () => {
    assert.equal(
      otpauthUri({ username: 'ana.pérez@clinic', secret: rfcSecretBytes }),
      'otpauth://totp/Ward:ana.p%C3%A9rez%40clinic?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' +
        '&issuer=Ward&algorithm=SHA1&digits=6&period=30',
    );
  });

  void test('an app importing the URI computes codes that Ward accepts', () => {
    const secret = generateTotpSecret();
    const imported = URI.parse(otpauthUri({ username: 'dr: who?&x=1', secret }));
    assert.ok(imported instanceof TOTP);
    assert.equal(imported.issuer, 'Ward');
    assert.equal(imported.label, 'dr: who?&x=1');
    assert.equal(imported.algorithm, 'SHA1');
    assert.equal(imported.digits, 6);
    assert.equal(imported.period, 30);
    assert.deepEqual(imported.secret.bytes, secret);
    const now = Date.UTC(2026, 0, 1);
    assert.equal(
      matchTotpStep({ secret, code: imported.generate({ timestamp: now }), now }),
      totpStepAt(now),
    );
  });

  void test('the QR code is an SVG with error correction level M', async () => {
    const svg = await qrSvg(otpauthUri({ username: 'ana.perez', secret: rfcSecretBytes }));
    assert.ok(svg.startsWith('<svg'), svg.slice(0, 40));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    const modules = readQrModules(svg);
    const size = modules.length;
    assert.equal((size - 17) % 4, 0, `${size} is not a QR code size`);
    // About 110 bytes of URI need at least version 6 at level M (41 modules).
    assert.ok(size >= 41 && size <= 177, `size ${size}`);
    for (const [top, left] of [
      [0, 0],
      [0, size - 7],
      [size - 7, 0],
    ] as const) {
      assert.ok(isFinderPattern(modules, top, left), `finder pattern at ${top},${left}`);
    }
    const level = readErrorCorrectionLevel(modules);
    assert.equal(level, 'M');
  });
});

// Rebuilds the module matrix from the SVG path (horizontal strokes of dark modules, one row per y + 0.5).
function readQrModules(svg: string): boolean[][] {
  const viewBox = /viewBox="0 0 (\d+) (\d+)"/.exec(svg);
  assert.ok(viewBox, 'viewBox');
  const margin = 4;
  const size = Number(viewBox[1]) - 2 * margin;
  const path = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg);
  assert.ok(path, 'dark modules path');
  const modules = Array.from({ length: size }, () => Array.from({ length: size }, () => false));
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of path[1]!.matchAll(/([MmHh])(-?[\d.]+)(?:[ ,](-?[\d.]+))?/g)) {
    const first = Number(a);
    if (command === 'M') [x, y] = [first, Number(b)];
    else if (command === 'm') [x, y] = [x + first, y + Number(b)];
    else {
      const row = Math.floor(y) - margin;
      for (let column = x - margin; column < x - margin + first; column++) modules[row]![column] = true;
      x += first;
    }
  }
  return modules;
}

function isFinderPattern(modules: boolean[][], top: number, left: number): boolean {
  for (let r = 0; r < 7; r++) {
    for (let c = 0; c < 7; c++) {
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      if (modules[top + r]![left + c] !== (ring !== 2)) return false;
    }
  }
  return true;
}

// ISO/IEC 18004 format information: 15 bits beside the top-left finder, repeated at the other two; masked
// with 101010000010010; the top two bits name the error correction level; the low ten are a BCH code.
function readErrorCorrectionLevel(modules: boolean[][]): string {
  const size = modules.length;
  const bit = (row: number, column: number): number => (modules[row]![column] ? 1 : 0);
  const topLeft = [
    ...[0, 1, 2, 3, 4, 5, 7, 8].map((column) => bit(8, column)), // bits 14..7
    ...[7, 5, 4, 3, 2, 1, 0].map((row) => bit(row, 8)), // bits 6..0
  ];
  const otherCopy = [
    ...[1, 2, 3, 4, 5, 6, 7].map((fromBottom) => bit(size - fromBottom, 8)), // bits 14..8
    ...[8, 7, 6, 5, 4, 3, 2, 1].map((fromRight) => bit(8, size - fromRight)), // bits 7..0
  ];
  assert.deepEqual(otherCopy, topLeft, 'both copies of the format information agree');
  const format = parseInt(topLeft.join(''), 2) ^ 0b101010000010010;
  let remainder = (format >> 10) << 10;
  for (let degree = 14; degree >= 10; degree--) {
    if (remainder & (1 << degree)) remainder ^= 0b10100110111 << (degree - 10);
  }
  assert.equal(remainder, format & 0x3ff, 'format information BCH check');
  return ['M', 'L', 'H', 'Q'][format >> 13]!;
}
