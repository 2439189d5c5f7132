import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { normalizePassword } from './normalize.ts';

/** Known common or breached passwords, each stored as `blocklistKey` gives it. */
export type PasswordBlocklist = ReadonlySet<string>;

const BUNDLED_FILE = new URL('./blocklist.txt.gz', import.meta.url);

let bundled: PasswordBlocklist | undefined;

/** The form in which passwords are kept in and looked up from a blocklist: NFKC, lower case. */
export function blocklistKey(password: string): string {
  return normalizePassword(password).toLowerCase();
}

/** A blocklist from text with one password per line (blank lines ignored). */
export function parseBlocklist(text: string): PasswordBlocklist {
  const entries = new Set<string>();
  for (const line of text.split('\n')) {
    if (line !== '') entries.add(blocklistKey(line));
  }
  return entries;
}

/**
 * The blocklist shipped beside this file (see BLOCKLIST.md). It is read on first use and kept: it is
 * immutable data, and reading it costs about 100 ms and 15 MB once. The read is synchronous because
 * password checks are; call this at start-up so that no request pays for it.
 */
export function loadBundledBlocklist(): PasswordBlocklist {
  bundled ??= parseBlocklist(gunzipSync(readFileSync(BUNDLED_FILE)).toString('utf8'));
  return bundled;
}
