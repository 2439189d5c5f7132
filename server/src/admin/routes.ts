import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/log.ts';
import type { SessionService } from '../auth/sessions/service.ts';
import type { StepUpService } from '../auth/step-up/service.ts';
import type { WardConfig } from '../config/types.ts';
import type { Schema } from '../db/schema.ts';
import type { WardApp } from '../http/types.ts';
import type { TwoFactorService } from '../twofactor/service.ts';
import { InstitutionAdministration } from './settings-service.ts';
import { registerSettingsRoutes } from './settings-routes.ts';
import { StaffAdministration } from './staff-service.ts';
import { registerStaffRoutes } from './staff-routes.ts';
import { registerSystemRoutes } from './system-routes.ts';

export interface AdminRouteDeps {
  readonly db: Kysely<Schema>;
  readonly audit: AuditLog;
  readonly sessions: SessionService;
  readonly twoFactor: TwoFactorService;
  readonly stepUp: StepUpService;
  readonly config: Pick<WardConfig, 'server'>;
}

/**
 * Administration: an institution's staff and settings (for its administrators) and the
 * deployment's institutions (for system administrators).
 */
export function registerAdminRoutes(app: WardApp, deps: AdminRouteDeps): void {
  const { db, audit } = deps;
  const publicUrl = deps.config.server.publicUrl;
  registerStaffRoutes(app, {
    db,
    stepUp: deps.stepUp,
    staff: new StaffAdministration({
      db,
      audit,
      sessions: deps.sessions,
      twoFactor: deps.twoFactor,
      publicUrl,
    }),
  });
  registerSettingsRoutes(app, { db, institutions: new InstitutionAdministration({ db, audit }) });
  registerSystemRoutes(app, { db, audit, publicUrl });
}
