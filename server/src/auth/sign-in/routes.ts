import { Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../http/errors.ts';
import { requestContext, type AuditLog } from '../../audit/log.ts';
import type { WardApp } from '../../http/types.ts';
import type { CaptchaService } from '../captcha/index.ts';
import { clearSessionCookie, requireAuth, setSessionCookie, type SessionCookie } from '../sessions/http.ts';
import type { SessionService } from '../sessions/service.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_DAYS } from './device.ts';
import type { SignedIn, SignInService } from './service.ts';

export interface SignInRouteDeps {
  readonly signIn: SignInService;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  readonly captcha: CaptchaService;
  readonly cookie: SessionCookie;
}

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    captcha: Type.Optional(Type.String({ maxLength: 8192 })),
    /** `bearer`: return the token in the body for API and mobile clients; default: cookie only. */
    tokenDelivery: Type.Optional(Type.Union([Type.Literal('cookie'), Type.Literal('bearer')])),
  },
  { additionalProperties: false },
);

const SessionResponse = Type.Object({
  state: Type.Union([
    Type.Literal('active'),
    Type.Literal('password_change_required'),
    Type.Literal('second_factor_enrolment_required'),
  ]),
  expiresAt: Type.String({ format: 'date-time' }),
  token: Type.Optional(Type.String()),
  notices: Type.Array(Type.Literal('two_factor_reset')),
});

const SecondFactorResponse = Type.Object({
  secondFactor: Type.Object({ challenge: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
});

const SecondFactorBody = Type.Object(
  {
    challenge: Type.String({ minLength: 1, maxLength: 200 }),
    code: Type.Optional(Type.String({ maxLength: 20 })),
    recoveryCode: Type.Optional(Type.String({ maxLength: 40 })),
    tokenDelivery: Type.Optional(Type.Union([Type.Literal('cookie'), Type.Literal('bearer')])),
  },
  { additionalProperties: false },
);

export function clientInfo(request: FastifyRequest): { ip: string; userAgent: string } {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : '' };
}

function sendSession(
  reply: FastifyReply,
  cookie: SessionCookie,
  result: SignedIn,
  bearer: boolean,
): { state: SignedIn['state']; expiresAt: string; token?: string; notices: SignedIn['notices'][number][] } {
  setSessionCookie(reply, cookie, result.token, result.expiresAt);
  void reply.setCookie(DEVICE_COOKIE, result.deviceToken, {
    path: '/api/auth/',
    httpOnly: true,
    secure: cookie.secure,
    sameSite: 'strict',
    maxAge: DEVICE_COOKIE_DAYS * 86_400,
  });
  return {
    state: result.state,
    expiresAt: result.expiresAt.toISOString(),
    ...(bearer ? { token: result.token } : {}),
    notices: [...result.notices],
  };
}

export function registerSignInRoutes(app: WardApp, deps: SignInRouteDeps): void {
  app.post(
    '/api/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        body: LoginBody,
        response: { 200: Type.Union([SessionResponse, SecondFactorResponse]) },
      },
    },
    async (request, reply) => {
      const { ip, userAgent } = clientInfo(request);
      const result = await deps.signIn.signIn({
        username: request.body.username,
        password: request.body.password,
        captcha: request.body.captcha,
        ip,
        userAgent,
        deviceToken: request.cookies[DEVICE_COOKIE],
      });
      if (result.kind === 'second_factor') {
        return { secondFactor: { challenge: result.challenge, expiresAt: result.expiresAt.toISOString() } };
      }
      return sendSession(reply, deps.cookie, result, request.body.tokenDelivery === 'bearer');
    },
  );

  app.post(
    '/api/auth/login/second-factor',
    {
      config: { public: true },
      schema: { tags: ['auth'], body: SecondFactorBody, response: { 200: SessionResponse } },
    },
    async (request, reply) => {
      const { ip, userAgent } = clientInfo(request);
      const result = await deps.signIn.completeSecondFactor({
        challenge: request.body.challenge,
        code: request.body.code,
        recoveryCode: request.body.recoveryCode,
        ip,
        userAgent,
      });
      return sendSession(reply, deps.cookie, result, request.body.tokenDelivery === 'bearer');
    },
  );

  app.get(
    '/api/auth/captcha/challenge',
    { config: { public: true }, schema: { tags: ['auth'] } },
    async () => {
      if (deps.captcha.provider !== 'altcha') {
        throw new ApiError('not_found', 'This deployment does not use the self-hosted captcha.');
      }
      return deps.captcha.challenge();
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { allowedStates: ['password_change_required', 'second_factor_enrolment_required'] },
      schema: { tags: ['auth'], response: { 200: Type.Object({ signedOut: Type.Boolean() }) } },
    },
    async (request, reply) => {
      const auth = requireAuth(request);
      await deps.sessions.revoke(auth.sessionId, 'logout');
      // After the revocation, not with it: signing out must work even when the trail cannot be written.
      await deps.audit
        .record({
          ...requestContext(request),
          action: 'auth.sign_out',
          outcome: 'success',
          targetType: 'session',
          targetId: auth.sessionId,
        })
        .catch((error: unknown) => {
          request.log.warn({ err: error }, 'the sign-out was not recorded in the audit trail');
        });
      clearSessionCookie(reply, deps.cookie);
      return { signedOut: true };
    },
  );
}
