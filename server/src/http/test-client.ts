// Test support: one HTTP(S) request over a real connection, with the response read in full.
// (`fetch` cannot be told to trust a test certificate authority.)
import http from 'node:http';
import https from 'node:https';

export interface SendOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Certificates to trust for an https URL. */
  readonly ca?: readonly string[];
}

export interface Received {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

export function send(url: string, options: SendOptions = {}): Promise<Received> {
  const target = new URL(url);
  const requestOptions: https.RequestOptions = {
    method: options.method ?? 'GET',
    headers: { ...options.headers },
    agent: false,
    ...(options.ca ? { ca: [...options.ca] } : {}),
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(target, requestOptions, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
