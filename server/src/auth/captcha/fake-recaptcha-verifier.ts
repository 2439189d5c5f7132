import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Google's `siteverify`, on 127.0.0.1, for tests: it judges tokens the way Google
 * does (the secret must match; a token is accepted if it was listed, and only once, as Google answers
 * `timeout-or-duplicate` to a token seen before) or misbehaves on demand.
 */
export type FakeVerifierMode =
  'judge' | 'http-500' | 'html' | 'json-without-verdict' | { readonly delayMs: number };

export interface FakeVerifierRequest {
  readonly method: string | undefined;
  readonly contentType: string | undefined;
  readonly form: URLSearchParams;
}

export interface FakeRecaptchaVerifier {
  /** The URL to configure as `google.recaptcha.validator.url`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeVerifierRequest[];
  mode: FakeVerifierMode;
  close(): Promise<void>;
}

export async function startFakeRecaptchaVerifier(options: {
  secret: string;
  acceptedTokens: readonly string[];
}): Promise<FakeRecaptchaVerifier> {
  const requests: FakeVerifierRequest[] = [];
  const state: { mode: FakeVerifierMode } = { mode: 'judge' };
  const redeemed = new Set<string>();
  const delays = new Set<NodeJS.Timeout>();
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer);
        resolve();
      }, ms);
      delays.add(timer);
    });

  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const form = new URLSearchParams(body);
      requests.push({ method: request.method, contentType: request.headers['content-type'], form });
      const mode = state.mode;
      if (typeof mode === 'object') await pause(mode.delayMs);
      if (mode === 'http-500') {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"success":true}');
      } else if (mode === 'html') {
        response
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body>Service Unavailable</body></html>');
      } else if (mode === 'json-without-verdict') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"hostname":"localhost"}');
      } else {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(judge(form, options, redeemed)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/recaptcha/api/siteverify`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Answers still being delayed are dropped, so that closing does not wait for them.
        for (const timer of delays) clearTimeout(timer);
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}

function judge(
  form: URLSearchParams,
  options: { secret: string; acceptedTokens: readonly string[] },
  redeemed: Set<string>,
): { success: boolean; 'error-codes'?: string[] } {
  const secret = form.get('secret');
  const token = form.get('response');
  if (secret === null) return { success: false, 'error-codes': ['missing-input-secret'] };
  if (secret !== options.secret) return { success: false, 'error-codes': ['invalid-input-secret'] };
  if (token === null) return { success: false, 'error-codes': ['missing-input-response'] };
  if (!options.acceptedTokens.includes(token))
    return { success: false, 'error-codes': ['invalid-input-response'] };
  if (redeemed.has(token)) return { success: false, 'error-codes': ['timeout-or-duplicate'] };
  redeemed.add(token);
  return { success: true };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}
