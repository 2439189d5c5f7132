import { Type } from '@fastify/type-provider-typebox';
import type { WardApp } from '../../http/types.ts';
import { requireAuth } from '../sessions/http.ts';
import type { StepUpService } from './service.ts';
import { STEP_UP_MINUTES } from './service.ts';

/** POST /api/me/reauthenticate: the step-up that exports (and later, other sensitive actions) need. */
export function registerStepUpRoutes(app: WardApp, stepUp: StepUpService): void {
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
      const at = await stepUp.reauthenticate(
        auth.userId,
        auth.sessionId,
        request.body.password,
        request.body.code,
      );
      return { validUntil: new Date(at.getTime() + STEP_UP_MINUTES * 60_000).toISOString() };
    },
  );
}
