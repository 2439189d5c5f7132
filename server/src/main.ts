import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import pino from 'pino';
import { ConfigError } from './config/load.ts';
import { productionProblems, withDevelopmentSecrets } from './config/secrets.ts';
import type { WardConfig } from './config/types.ts';
import { openDatabase } from './db/database.ts';
import { buildApp, REDACTED_LOG_PATHS } from './http/app.ts';
import { watchCertificates, type CertificateReloader } from './http/tls.ts';
import type { WardApp } from './http/types.ts';
import { bootstrapAdmin } from './identity/bootstrap-admin.ts';

export interface RunningWard {
  readonly url: string;
  readonly app: WardApp;
  readonly config: WardConfig;
  /** Re-reads the TLS files now (as SIGHUP does); false without TLS or when the files are unusable. */
  reloadCertificate(): boolean;
  /** Stops taking requests, lets in-flight ones finish, closes the pool and the embedded server. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Logger: pino options, or false for silence (tests). */
  readonly logger?: pino.LoggerOptions | false;
  readonly webDist?: string;
  /** Where one-time messages for the operator go (the generated admin password). */
  readonly announce?: (message: string) => void;
}

/** Starts Ward: configuration → database → application → listen. */
export async function startWard(initial: WardConfig, options: StartOptions = {}): Promise<RunningWard> {
  const { config, generated, file: secretsFile } = withDevelopmentSecrets(initial);
  const problems = productionProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);

  const loggerOptions: pino.LoggerOptions | false = options.logger ?? {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
  };
  const log = pino(loggerOptions === false ? { level: 'silent' } : loggerOptions);
  if (config.mode === 'development') {
    log.warn(
      'DEVELOPMENT MODE: plain HTTP on loopback only, generated secrets. Never expose this to a network; set app.mode=production for real use.',
    );
    if (generated.length > 0)
      log.warn(`development secrets (${generated.join(', ')}) are kept in ${secretsFile}`);
  }

  const dbLog = {
    info: (m: string) => {
      log.info(m);
    },
    warn: (m: string) => {
      log.warn(m);
    },
    debug: (m: string) => {
      log.debug(m);
    },
    error: (m: string) => {
      log.error(m);
    },
  };
  const database = await openDatabase(config, dbLog);
  let app: WardApp | undefined;
  let reloader: CertificateReloader | undefined;
  try {
    const admin = await bootstrapAdmin(database, config);
    if (admin.created && admin.generatedPassword !== undefined) {
      const announce = options.announce ?? ((m: string) => process.stdout.write(`${m}\n`));
      announce(
        `\n  Ward created the system administrator "admin" with the password:\n\n      ${admin.generatedPassword}\n\n  It is shown only this once. Sign in and change it.\n`,
      );
    }
    app = await buildApp({
      config,
      database,
      logger: loggerOptions === false ? false : { ...loggerOptions },
      ...(options.webDist ? { webDist: options.webDist } : {}),
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    const tls = config.server.tls;
    if (tls) reloader = watchCertificates(app.server as unknown as Server, tls, dbLog);
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`;
    log.info(`Ward listening on ${url}`);
    const running = app;
    let stopping: Promise<void> | undefined;
    return {
      url,
      app: running,
      config,
      reloadCertificate: () => reloader?.reload() ?? false,
      stop: () => {
        stopping ??= (async () => {
          reloader?.stop();
          await running.close();
          await database.close();
          log.info('Ward stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    reloader?.stop();
    await app?.close();
    await database.close();
    throw error;
  }
}
