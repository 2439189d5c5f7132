/**
 * The form in which a password is hashed, verified and judged: Unicode NFKC, as NIST SP 800-63B asks,
 * so that the same characters typed on different keyboards or systems (composed "é" or "e" plus a
 * combining accent, full-width digits) are the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length as a person counts it: Unicode code points of the normalised password, not UTF-16 units. */
export function passwordLength(normalized: string): number {
  // A string's iterator yields code points: a surrogate pair is one.
  return Array.from(normalized).length;
}
