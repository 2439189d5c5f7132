const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method);
}

/**
 * Why an unsafe request must be refused as cross-site, or undefined when it came from Ward's own
 * pages. Browsers send `Sec-Fetch-Site` (all current ones) and `Origin` on every POST, PUT, PATCH
 * and DELETE; a request carrying the session cookie with neither is not from a browser page of
 * ours and is refused too. Bearer-token clients are not subject to this: they carry no ambient
 * credential a third-party page could borrow.
 */
export function crossSiteReason(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  expectedOrigin: string,
): string | undefined {
  const fetchSite = headers['sec-fetch-site'];
  if (typeof fetchSite === 'string') {
    return fetchSite === 'same-origin' || fetchSite === 'none' ? undefined : `Sec-Fetch-Site is ${fetchSite}`;
  }
  const origin = headers.origin;
  if (typeof origin === 'string') {
    return origin === expectedOrigin ? undefined : `Origin ${origin} is not ${expectedOrigin}`;
  }
  return 'neither Sec-Fetch-Site nor Origin was sent';
}
