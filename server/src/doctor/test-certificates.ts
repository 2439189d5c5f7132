// Test support: real certificates made with openssl, so doctor's certificate checks read what an
// operator's files would contain.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface CertificateFiles {
  readonly certificate: string;
  readonly key: string;
}

export interface TestCertificates {
  /** A leaf for `ward.example` signed by a test authority, as a public CA would issue it. */
  readonly issued: CertificateFiles;
  /** A certificate that signs itself. */
  readonly selfSigned: CertificateFiles;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

export function makeCertificates(dir: string, days = 90): TestCertificates {
  const file = (name: string): string => path.join(dir, name);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...key,
    '-subj',
    '/CN=Ward Test Authority',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '3650',
  ]);
  openssl([
    'req',
    ...key,
    '-subj',
    '/CN=ward.example',
    '-addext',
    'subjectAltName=DNS:ward.example',
    '-keyout',
    file('leaf.key'),
    '-out',
    file('leaf.csr'),
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    file('leaf.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-copy_extensions',
    'copy',
    '-days',
    String(days),
    '-out',
    file('leaf.pem'),
  ]);
  openssl([
    'req',
    '-x509',
    ...key,
    '-subj',
    '/CN=ward.example',
    '-keyout',
    file('self.key'),
    '-out',
    file('self.pem'),
    '-days',
    String(days),
  ]);
  return {
    issued: { certificate: file('leaf.pem'), key: file('leaf.key') },
    selfSigned: { certificate: file('self.pem'), key: file('self.key') },
  };
}
