import { Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { requestContext, type AuditEvent, type AuditLog } from '../audit/log.ts';
import { requireAuth } from '../auth/sessions/http.ts';
import type { SessionService } from '../auth/sessions/service.ts';
import type { WardApp } from '../http/types.ts';
import type { TwoFactorService } from './service.ts';

export interface TwoFactorRouteDeps {
  readonly twoFactor: TwoFactorService;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
}

// The two-factor service changes the secret on its own connection; the change is recorded right
// after it (as an administrator's reset is). Should recording fail, the person sees an error and the
// change stands; the next change or reset is recorded.
function twoFactorEvent(request: FastifyRequest, enabled: boolean): AuditEvent {
  const auth = requireAuth(request);
  return {
    ...requestContext(request),
    action: enabled ? 'twofactor.enable' : 'twofactor.disable',
    outcome: 'success',
    targetType: 'user',
    targetId: auth.userId,
    details: { after: { twoFactorEnabled: enabled } },
  };
}

const Status = Type.Object({
  available: Type.Boolean(),
  enabled: Type.Boolean(),
  required: Type.Boolean(),
  recoveryCodesLeft: Type.Integer(),
});

// A user whose level requires two-factor may do nothing but enrol (and read who they are, or leave).
const ENROLMENT = { allowedStates: ['second_factor_enrolment_required'] } as const;

/** The profile's "Enable two-factor authentication" option and its dialog, and turning it off. */
export function registerTwoFactorRoutes(app: WardApp, deps: TwoFactorRouteDeps): void {
  app.get(
    '/api/me/2fa',
    { config: ENROLMENT, schema: { tags: ['two-factor'], response: { 200: Status } } },
    async (request) => deps.twoFactor.status(requireAuth(request).userId),
  );

  app.post(
    '/api/me/2fa',
    {
      config: ENROLMENT,
      schema: {
        tags: ['two-factor'],
        body: Type.Object(
          { password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ otpauthUri: Type.String(), secret: Type.String(), qrSvg: Type.String() }),
        },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      return deps.twoFactor.beginEnrolment(auth.userId, auth.username, request.body.password);
    },
  );

  app.post(
    '/api/me/2fa/confirm',
    {
      config: ENROLMENT,
      schema: {
        tags: ['two-factor'],
        body: Type.Object(
          { code: Type.String({ minLength: 1, maxLength: 20 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ enabled: Type.Literal(true), recoveryCodes: Type.Array(Type.String()) }),
        },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      const { recoveryCodes } = await deps.twoFactor.confirmEnrolment(auth.userId, request.body.code);
      await deps.audit.record(twoFactorEvent(request, true));
      if (auth.state === 'second_factor_enrolment_required')
        await deps.sessions.setState(auth.sessionId, 'active');
      return { enabled: true as const, recoveryCodes };
    },
  );

  app.delete(
    '/api/me/2fa',
    {
      schema: {
        tags: ['two-factor'],
        body: Type.Object(
          {
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            code: Type.String({ minLength: 1, maxLength: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ enabled: Type.Literal(false) }) },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      await deps.twoFactor.disable(auth.userId, request.body.password, request.body.code);
      await deps.audit.record(twoFactorEvent(request, false));
      return { enabled: false as const };
    },
  );
}
