import { Type } from '@fastify/type-provider-typebox';
import type { CaptchaService } from '../auth/captcha/index.ts';
import type { WardApp } from '../http/types.ts';
import type { WardConfig } from './types.ts';

const PublicConfig = Type.Object({
  mode: Type.Union([Type.Literal('development'), Type.Literal('production')]),
  twoFactorAvailable: Type.Boolean(),
  captcha: Type.Object({
    provider: Type.Union([Type.Literal('recaptcha'), Type.Literal('altcha'), Type.Literal('none')]),
    siteKey: Type.Optional(Type.String()),
    when: Type.Union([Type.Literal('always'), Type.Literal('after-failures')]),
  }),
});

/** What the sign-in page needs to know before anyone signs in; never a secret. */
export function registerPublicConfigRoute(app: WardApp, config: WardConfig, captcha: CaptchaService): void {
  const body = {
    mode: config.mode,
    twoFactorAvailable: config.twoFactor.featureEnabled,
    captcha: captcha.publicInfo(),
  };
  app.get(
    '/api/config/public',
    { config: { public: true }, schema: { tags: ['config'], response: { 200: PublicConfig } } },
    async () => body,
  );
}
