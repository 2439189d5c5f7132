import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { normalizePassword } from './normalize.ts';

/** Known common or breached passwords, each stored as `blocklistKey` gives it. */
export interface PasswordBlocklist extends Iterable<string> {
  readonly size: number;
  /** Whether `key` (in `blocklistKey` form) is on the list. */
  has(key: string): boolean;
}

const BUNDLED_FILE = new URL('./blocklist.txt.gz', import.meta.url);

let bundled: PasswordBlocklist | undefined;

/** The form in which passwords are kept in and looked up from a blocklist: NFKC, lower case. */
export function blocklistKey(password: string): string {
  return normalizePassword(password).toLowerCase();
}

/**
 * A blocklist held as its sorted entries packed into one buffer, searched by bisection. A Set of
 * the 182,842 bundled entries takes about 12 MB of heap for the strings and the hash table, kept
 * for the life of the process; packed, they take 2.2 MB outside the heap. A lookup (at most 18
 * comparisons) happens only when someone chooses a password, next to an argon2 hash.
 */
class PackedBlocklist implements PasswordBlocklist {
  /** Entries one after another, UTF-8. */
  readonly #bytes: Buffer;
  /** Entry `i` is `#bytes` from `#ends[i - 1]` (0 for the first) to `#ends[i]`. */
  readonly #ends: Uint32Array;

  /** `sorted`: distinct entries in the order of JavaScript's `<` on strings. */
  constructor(sorted: readonly string[]) {
    this.#bytes = Buffer.alloc(sorted.reduce((n, entry) => n + Buffer.byteLength(entry, 'utf8'), 0));
    this.#ends = new Uint32Array(sorted.length);
    let end = 0;
    sorted.forEach((entry, i) => {
      end += this.#bytes.write(entry, end, 'utf8');
      this.#ends[i] = end;
    });
  }

  get size(): number {
    return this.#ends.length;
  }

  #entry(i: number): string {
    return this.#bytes.toString('utf8', i === 0 ? 0 : this.#ends[i - 1], this.#ends[i]);
  }

  has(key: string): boolean {
    let low = 0;
    let high = this.#ends.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.#entry(middle);
      if (entry === key) return true;
      if (entry < key) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.#ends.length; i++) yield this.#entry(i);
  }
}

/** A blocklist from text with one password per line (blank lines ignored). */
export function parseBlocklist(text: string): PasswordBlocklist {
  const entries = new Set<string>();
  for (const line of text.split('\n')) {
    if (line !== '') entries.add(blocklistKey(line));
  }
  // Compared as UTF-16 code units, as `has` compares: the order it bisects is the order sorted.
  return new PackedBlocklist([...entries].sort());
}

/**
 * The blocklist shipped beside this file (see BLOCKLIST.md). It is read on first use and kept: it is
 * immutable data, and reading it costs a few hundred milliseconds once. The read is synchronous
 * because password checks are; call this at start-up so that no request pays for it.
 */
export function loadBundledBlocklist(): PasswordBlocklist {
  bundled ??= parseBlocklist(gunzipSync(readFileSync(BUNDLED_FILE)).toString('utf8'));
  return bundled;
}
