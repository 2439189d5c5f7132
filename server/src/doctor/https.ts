import { X509Certificate } from 'node:crypto';
import type { WardConfig } from '../config/types.ts';
import { readTlsFiles } from '../http/tls.ts';
import { configCheck, fail, pass, warn, type Check, type CheckResult } from './check.ts';
import { CHECKLIST } from './checklist.ts';

/** Days before expiry from which a certificate is reported: renewal should have happened by then. */
export const CERTIFICATE_RENEWAL_DAYS = 14;

const DAY_MS = 86_400_000;

const RENEW = "renew it (Let's Encrypt: `certbot renew`); Ward picks up the renewed files without a restart";

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Judges the first certificate of a PEM chain: validity dates and whether a browser can trust it. */
export function judgeCertificate(pem: Buffer, now: Date): CheckResult {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return fail(
      'server.ssl.certificate is not a PEM certificate',
      'point server.ssl.certificate at the certificate chain (certbot: fullchain.pem)',
    );
  }
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  if (validTo.getTime() <= now.getTime()) {
    return fail(`the certificate expired on ${day(validTo)}: browsers refuse the connection`, RENEW);
  }
  if (validFrom.getTime() > now.getTime()) {
    return fail(
      `the certificate is valid only from ${day(validFrom)}`,
      "check the server's clock, or install a certificate that is valid now",
    );
  }
  const names = certificate.subjectAltName ?? certificate.subject.replace(/\n/g, ', ');
  const daysLeft = Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
  if (certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey)) {
    return warn(
      `HTTPS is on, but the certificate (${names}) is self-signed: browsers show no padlock and users learn to click through warnings`,
      "use a certificate from a public authority (Let's Encrypt with certbot is free) or your province's",
    );
  }
  if (daysLeft < CERTIFICATE_RENEWAL_DAYS) {
    return warn(
      `the certificate (${names}) expires in ${daysLeft} day${daysLeft === 1 ? '' : 's'}, on ${day(validTo)}`,
      RENEW,
    );
  }
  return pass(`HTTPS with a certificate for ${names}, valid until ${day(validTo)}`);
}

export function judgeHttps(config: WardConfig, now: Date): CheckResult {
  const tls = config.server.tls;
  if (!tls) {
    if (config.mode === 'production') {
      return fail(
        'server.ssl.certificate and server.ssl.key are not set: traffic, passwords included, can be read on the way',
        "set server.ssl.certificate and server.ssl.key to your certificate and key (Let's Encrypt with certbot: fullchain.pem and privkey.pem)",
      );
    }
    return warn(
      'development mode serves plain HTTP',
      'before real use set app.mode=production with server.ssl.certificate and server.ssl.key',
    );
  }
  let cert: Buffer;
  try {
    cert = readTlsFiles(tls).cert;
  } catch (error) {
    return fail(
      error instanceof Error ? error.message : String(error),
      'point server.ssl.certificate and server.ssl.key at a readable PEM certificate chain and its private key',
    );
  }
  return judgeCertificate(cert, now);
}

export const httpsCheck: Check = configCheck('https', CHECKLIST.https, judgeHttps);
