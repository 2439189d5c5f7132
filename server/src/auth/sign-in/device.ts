import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// A device cookie marks a browser in which a user has signed in before (OWASP's "device cookie"
// defence). Guessing from anywhere else locks the account for strangers only: the real user's
// known device keeps its own counter and can still sign in.
export const DEVICE_COOKIE = 'ward_device';
export const DEVICE_COOKIE_DAYS = 180;

function mac(key: string, username: string, id: string): Buffer {
  return createHmac('sha256', key).update(`device|${username}|${id}`).digest();
}

export function issueDeviceToken(key: string, username: string): string {
  const id = randomBytes(16).toString('base64url');
  return `${id}.${mac(key, username, id).toString('base64url')}`;
}

/** The device id when the cookie was issued by this deployment for this username. */
export function verifyDeviceToken(
  keys: readonly string[],
  username: string,
  token: string | undefined,
): string | undefined {
  if (!token) return undefined;
  const [id, sig] = token.split('.');
  if (!id || !sig) return undefined;
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== 32) return undefined;
  return keys.some((k) => timingSafeEqual(mac(k, username, id), given)) ? id : undefined;
}
