import { Type } from '@fastify/type-provider-typebox';
import { requestContext, type AuditLog } from '../../audit/log.ts';
import { ApiError } from '../../http/errors.ts';
import type { WardApp } from '../../http/types.ts';
import { requireAuth } from '../sessions/http.ts';
import type { StepUpService } from './service.ts';
import { STEP_UP_MINUTES } from './service.ts';

/** POST /api/me/reauthenticate: the step-up that exports (and later, other sensitive actions) need. */
export function registerStepUpRoutes(app: WardApp, stepUp: StepUpService, audit: AuditLog): void {
  app.post(
    '/api/me/reauthenticate',
    {
      schema: {
        tags: ['account'],
        body: Type.Object(
          {
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            code: Type.Optional(Type.String({ maxLength: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ validUntil: Type.String({ format: 'date-time' }) }) },
      },
    },
    async (request) => {
      const auth = requireAuth(request);
      const event = {
        ...requestContext(request),
        action: 'auth.reauthenticate',
        targetType: 'session',
        targetId: auth.sessionId,
      };
      let at: Date;
      try {
        at = await stepUp.reauthenticate(
          auth.userId,
          auth.sessionId,
          request.body.password,
          request.body.code,
        );
      } catch (error) {
        // A wrong password or code through a live session is worth an auditor's eye: someone else
        // may be at the keyboard.
        if (error instanceof ApiError && error.status < 500) {
          await audit.record({ ...event, outcome: 'failure', reason: error.code });
        }
        throw error;
      }
      await audit.record({ ...event, outcome: 'success' });
      return { validUntil: new Date(at.getTime() + STEP_UP_MINUTES * 60_000).toISOString() };
    },
  );
}
