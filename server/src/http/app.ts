import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyServerOptions } from 'fastify';
import type { WardConfig } from '../config/types.ts';
import { registerPublicConfigRoute } from '../config/public-routes.ts';
import type { Database } from '../db/database.ts';
import { registerAccountRoutes } from '../account/routes.ts';
import { registerAdminRoutes } from '../admin/routes.ts';
import { registerPermissionCheck } from '../access/authorize.ts';
import { hoursOfMembership, judgeHours } from '../access/hours-gate.ts';
import { registerAuditRoutes } from '../audit/routes.ts';
import { registerStepUpRoutes } from '../auth/step-up/routes.ts';
import { registerExportRoutes } from '../export/routes.ts';
import { registerPatientRoutes } from '../patients/routes.ts';
import { registerRecordRoutes } from '../records/routes.ts';
import { registerSessionCheck } from '../auth/sessions/http.ts';
import { registerSignInRoutes } from '../auth/sign-in/routes.ts';
import { registerHealthRoutes } from '../health/routes.ts';
import { registerTwoFactorRoutes } from '../twofactor/routes.ts';
import { createServices } from '../services.ts';
import { registerWebApp } from '../web/routes.ts';
import { closeConnectionsAsTheyGoIdle } from './close-connections.ts';
import { answerClientErrors, answerFrameworkErrors, registerErrorHandling } from './errors.ts';
import { registerSecurityHeaders, securityHeaders } from './security-headers.ts';
import { registerNulRefusal } from './text-input.ts';
import { readTlsFiles, TLS_SETTINGS } from './tls.ts';
import type { WardApp } from './types.ts';

export interface AppDeps {
  readonly config: WardConfig;
  readonly database: Database;
  /** Fastify logger settings; tests pass `false`. */
  readonly logger: FastifyServerOptions['logger'];
  /** Folder of the built web app (tests may point elsewhere). */
  readonly webDist?: string;
}

/** Paths in logged objects that may hold a secret; pino replaces their values. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.code',
  '*.secret',
  '*.token',
  '*.captcha',
];

/** Assembles Ward's HTTP application: cross-cutting plugins at the edge, then each feature's routes. */
export async function buildApp(deps: AppDeps): Promise<WardApp> {
  const { config, database } = deps;
  const tls = config.server.tls;
  const https = tls ? { ...TLS_SETTINGS, ...readTlsFiles(tls) } : null;
  const headerOptions = {
    hsts: config.mode === 'production' && tls !== undefined,
    captchaOrigins: config.recaptcha.enabled ? ['https://www.google.com', 'https://www.gstatic.com'] : [],
  };
  const app = Fastify({
    logger: deps.logger,
    ...(https ? { https } : {}),
    // Only the proxies the operator names may say who the client is; anyone else's header is ignored.
    trustProxy: config.server.trustedProxies.length > 0 ? [...config.server.trustedProxies] : false,
    bodyLimit: 1_048_576,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: answerFrameworkErrors(securityHeaders(headerOptions)),
    clientErrorHandler: answerClientErrors(securityHeaders(headerOptions)),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  closeConnectionsAsTheyGoIdle(app);
  registerErrorHandling(app);
  registerSecurityHeaders(app, headerOptions);
  registerNulRefusal(app);
  await app.register(fastifyCookie);
  const services = await createServices(config, database, {
    warn: (message) => {
      app.log.warn(message);
    },
  });
  app.addHook('onClose', async () => {
    await services.close();
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Ward API', version: '0.1.0', description: 'Clinical records with access security.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: '__Host-ward_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });

  registerSessionCheck(
    app,
    services.sessions,
    services.cookie,
    (auth) => judgeHours(auth.memberships.map(hoursOfMembership), new Date()).allowed,
  );
  registerPermissionCheck(app);
  registerHealthRoutes(app, { databaseReachable: () => database.ping() });
  registerPublicConfigRoute(app, config, services.captcha);
  registerSignInRoutes(app, services);
  registerAccountRoutes(app, { ...services, db: database.db });
  registerTwoFactorRoutes(app, services);
  registerPatientRoutes(app, { db: database.db, audit: services.audit });
  registerRecordRoutes(app, { db: database.db, audit: services.audit });
  registerAuditRoutes(app, { db: database.db, audit: services.audit });
  registerAdminRoutes(app, { ...services, db: database.db });
  registerStepUpRoutes(app, services.stepUp, services.audit);
  registerExportRoutes(app, {
    db: database.db,
    pool: database.pool,
    audit: services.audit,
    stepUp: services.stepUp,
  });
  app.get('/api/docs', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  await registerWebApp(app, deps.webDist);
  return app;
}
