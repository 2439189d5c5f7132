import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** TLS 1.2 and 1.3 only, and for 1.2 only forward-secret AEAD suites. */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const satisfies SecureContextOptions;

export interface TlsFiles {
  readonly certificate: string;
  readonly key: string;
}

/** Reads the PEM files; throws a message that names the file when one is missing or malformed. */
export function readTlsFiles(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(
        `cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        { cause: error },
      );
    }
  };
  const cert = read(files.certificate, 'certificate (server.ssl.certificate)');
  const key = read(files.key, 'key (server.ssl.key)');
  try {
    createSecureContext({ ...TLS_SETTINGS, cert, key });
  } catch (error) {
    throw new Error(
      `the TLS certificate and key do not form a usable pair (${error instanceof Error ? error.message : String(error)}): check server.ssl.certificate and server.ssl.key`,
      { cause: error },
    );
  }
  return { cert, key };
}

export interface CertificateReloader {
  /** Re-reads the files now; keeps the current certificate if the new files are unusable. */
  reload(): boolean;
  stop(): void;
}

/**
 * Swaps the server's certificate when the files change (certbot renewal) or on SIGHUP, without a
 * restart: connections already open keep their session, new handshakes get the new certificate.
 * Files are polled rather than watched by inode, because certbot replaces symlinks.
 */
export function watchCertificates(
  server: Server,
  files: TlsFiles,
  log: { info(message: string): void; error(message: string): void },
  pollMs = 2_000,
): CertificateReloader {
  const reload = (): boolean => {
    try {
      const { cert, key } = readTlsFiles(files);
      server.setSecureContext({ ...TLS_SETTINGS, cert, key });
      log.info('TLS certificate reloaded');
      return true;
    } catch (error) {
      log.error(
        `TLS certificate not reloaded, the previous one stays in use: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  };
  let pending: NodeJS.Timeout | undefined;
  // certbot writes the certificate and the key one after the other: wait for both.
  const onChange = (): void => {
    clearTimeout(pending);
    pending = setTimeout(reload, 300);
  };
  const onHangup = (): void => {
    reload();
  };
  watchFile(files.certificate, { interval: pollMs }, onChange);
  watchFile(files.key, { interval: pollMs }, onChange);
  process.on('SIGHUP', onHangup);
  return {
    reload,
    stop: () => {
      clearTimeout(pending);
      unwatchFile(files.certificate, onChange);
      unwatchFile(files.key, onChange);
      process.off('SIGHUP', onHangup);
    },
  };
}
