// What a user types or is shown during two-factor authentication, checked and shaped here before any of it
// is sent, so a mistyped code is pointed out at once instead of using up one of the sign-in's few tries.

/** The typed code without the spaces or dashes a user may copy along with it ("123 456" → "123456"). */
export function compactCode(input: string): string {
  return input.replace(/[\s\-\u2010-\u2015\u2212]+/g, '');
}

/** Whether the input is exactly the six digits an authenticator app shows. */
export function isSixDigitCode(input: string): boolean {
  return /^\d{6}$/.test(compactCode(input));
}

// The server issues recovery codes from digits and capitals without the look-alikes 0/O and 1/I/L.
const RECOVERY_CODE = /^[2-9A-HJ-KM-NP-Z]{10}$/;

/**
 * A recovery code as issued, `XXXXX-XXXXX`, from what the user typed (any case, with or without the dash
 * or spaces); null when it cannot be one.
 */
export function normaliseRecoveryCode(input: string): string | null {
  const compact = compactCode(input).toUpperCase();
  if (!RECOVERY_CODE.test(compact)) return null;
  return `${compact.slice(0, 5)}-${compact.slice(5)}`;
}

/** The secret without its grouping spaces, for pasting into an app that wants it as one word. */
export function compactSecret(secret: string): string {
  return secret.replace(/\s+/g, '').toUpperCase();
}

/** The secret in groups of four, however the server grouped it. */
export function groupSecret(secret: string): string[] {
  return compactSecret(secret).match(/.{1,4}/g) ?? [];
}

/**
 * An SVG document as a `data:` URL for an <img>. An image cannot run script or reach the page, so the
 * server's markup is never parsed into the document itself; the CSP allows images from `data:`.
 */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** The text file of recovery codes a user downloads to keep: what they are for, then one code a line. */
export function recoveryCodesFile(input: {
  heading: string;
  advice: string;
  codes: readonly string[];
}): string {
  return [input.heading, '', input.advice, '', ...input.codes, ''].join('\n');
}
