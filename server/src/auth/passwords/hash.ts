import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import argon2 from 'argon2';
import { normalizePassword } from './normalize.ts';

/**
 * Argon2id with OWASP's first recommended setting (19 MiB, 2 passes, 1 lane). The native hashing runs on
 * libuv's thread pool, so a hash or verify does not block the event loop.
 */
export const ARGON2_PARAMS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * How many hashes run at once: one per CPU, and always one of libuv's threads left for the rest of
 * its work (files, random bytes). More at once only share the CPUs, each slower for it: 19 MiB of
 * memory per hash, walked at random, and 4 of them on 2 CPUs cost 15 % more CPU per hash than 2
 * (docs/benchmarks.md). It also bounds the memory a flood of sign-ins can make Ward hold.
 */
export const HASH_SLOTS = Math.max(1, Math.min(availableParallelism(), threadPoolSize() - 1));

/** libuv's thread pool: UV_THREADPOOL_SIZE, or its default of 4. */
function threadPoolSize(): number {
  const size = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  return Number.isInteger(size) && size > 0 ? size : 4;
}

let hashesRunning = 0;
const waitingForSlot: (() => void)[] = [];

/** Runs `hash` when fewer than HASH_SLOTS hashes are running, in the order they asked. */
async function inHashSlot<T>(hash: () => Promise<T>): Promise<T> {
  if (hashesRunning >= HASH_SLOTS) {
    await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  } else {
    hashesRunning++;
  }
  try {
    return await hash();
  } finally {
    // The slot passes straight to the next in line, or frees up.
    const next = waitingForSlot.shift();
    if (next) next();
    else hashesRunning--;
  }
}

/** A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) of the NFKC-normalised password, random salt. */
export async function hashPassword(password: string): Promise<string> {
  const normalized = normalizePassword(password);
  return inHashSlot(() => argon2.hash(normalized, { ...ARGON2_PARAMS }));
}

/**
 * Whether `password` matches `hash` (any argon2 variant and parameters, so old hashes keep working).
 * A stored value that is not a PHC string is a data fault, not a wrong password: it throws.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const normalized = normalizePassword(password);
  return inHashSlot(() => argon2.verify(hash, normalized));
}

/** Whether `hash` was made with anything other than argon2id and `ARGON2_PARAMS`; rehash after a good login. */
export function needsRehash(hash: string): boolean {
  if (!hash.startsWith('$argon2id$')) return true;
  try {
    return argon2.needsRehash(hash, ARGON2_PARAMS);
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Does the work of one real verification and always answers false. Sign-in calls it when the user
 * name does not exist, so that the response time does not tell an attacker which names do. The dummy
 * hash is made on first use from random bytes nobody knows; making it costs what a verification
 * does, so that first call takes no longer than the later ones.
 */
export async function dummyVerify(password: string): Promise<false> {
  try {
    if (dummyHash === undefined) {
      dummyHash = hashPassword(randomBytes(32).toString('base64url'));
      await dummyHash;
    } else {
      await verifyPassword(await dummyHash, password);
    }
  } catch (error) {
    dummyHash = undefined;
    throw error;
  }
  return false;
}
