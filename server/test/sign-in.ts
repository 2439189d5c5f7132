// Test support: signing in through Ward's real HTTP routes (in process, via `inject`) and reading
// back what a browser or API client would keep.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { WardApp } from '../src/http/types.ts';

/** What a browser sends with a request made by Ward's own page. */
export const SAME_ORIGIN = { 'sec-fetch-site': 'same-origin' } as const;

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly captcha?: string;
  readonly tokenDelivery?: 'cookie' | 'bearer';
  /** The client's address as Ward sees it (default 127.0.0.1). */
  readonly remoteAddress?: string;
  readonly userAgent?: string;
  /** Cookies the client already holds, such as `ward_device`. */
  readonly cookies?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

export function login(app: WardApp, input: LoginInput): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: {
      username: input.username,
      password: input.password,
      ...(input.captcha === undefined ? {} : { captcha: input.captcha }),
      ...(input.tokenDelivery === undefined ? {} : { tokenDelivery: input.tokenDelivery }),
    },
    headers: { 'user-agent': input.userAgent ?? 'ward-tests/1.0', ...input.headers },
    ...(input.remoteAddress === undefined ? {} : { remoteAddress: input.remoteAddress }),
    ...(input.cookies === undefined ? {} : { cookies: input.cookies }),
  });
}

/** The value of a cookie the response sets, if it sets it. */
export function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((c) => c.name === name)?.value;
}

/** The raw `Set-Cookie` line for one cookie, to check its attributes as a browser would read them. */
export function setCookieLine(response: LightMyRequestResponse, name: string): string | undefined {
  const header = response.headers['set-cookie'];
  const lines = Array.isArray(header) ? header : typeof header === 'string' ? [header] : [];
  return lines.find((line) => line.startsWith(`${name}=`));
}

export interface SignedIn {
  /** The session token, from the body (bearer delivery) and the cookie alike. */
  readonly token: string;
  /** The `ward_device` cookie the browser now holds. */
  readonly deviceToken: string;
  readonly state: string;
}

/** Signs in and insists that it worked; returns what the client now holds. */
export async function signIn(app: WardApp, input: LoginInput): Promise<SignedIn> {
  const response = await login(app, { tokenDelivery: 'bearer', ...input });
  assert.equal(response.statusCode, 200, `sign-in of ${input.username} failed: ${response.body}`);
  const body = response.json<{ state: string; token: string }>();
  const deviceToken = cookieValue(response, 'ward_device');
  assert.ok(deviceToken, 'a successful sign-in sets the device cookie');
  return { token: body.token, deviceToken, state: body.state };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/** The error code of a JSON error response. */
export function errorCode(response: LightMyRequestResponse): string {
  return response.json<{ error: { code: string } }>().error.code;
}
