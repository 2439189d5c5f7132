import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.ts';

/**
 * True when `value` holds U+0000 in any string or key. Walked with a stack, not recursion: a body
 * of up to 1 MiB can nest hundreds of thousands of levels deep.
 */
export function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (Array.isArray(item)) {
      for (const inner of item as unknown[]) pending.push(inner);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, inner] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        pending.push(inner);
      }
    }
  }
  return false;
}

/**
 * PostgreSQL text cannot hold NUL. A request carrying it anywhere (path, query string, JSON body)
 * is invalid input, refused here with 400 before any route sees it, instead of failing in the
 * database as a 500, or mid-stream as a cut connection once an export has begun.
 */
export function registerNulRefusal(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (holdsNul(request.params) || holdsNul(request.query) || holdsNul(request.body)) {
      throw new ApiError('validation_failed', 'Text may not contain the NUL character (U+0000).');
    }
  });
}
