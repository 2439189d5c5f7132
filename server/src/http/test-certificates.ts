// Test support: throwaway self-signed certificates made with openssl at test time, so no private
// key is ever committed.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificate {
  /** Path of the PEM certificate. */
  readonly certificate: string;
  /** Path of the PEM private key. */
  readonly key: string;
  /** The certificate itself, for a client's `ca`. */
  readonly pem: string;
  /** SHA-256 fingerprint in the form `getPeerCertificate().fingerprint256` reports. */
  readonly fingerprint: string;
}

/**
 * A P-256 certificate for `localhost` and 127.0.0.1, valid for one day, written as
 * `<name>.crt` and `<name>.key` into `dir`.
 */
export function createTestCertificate(dir: string, name: string): TestCertificate {
  const certificate = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      certificate,
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(certificate, 'utf8');
  return { certificate, key, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}
