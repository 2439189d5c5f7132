import { isLoopback } from '../config/load.ts';
import type { WardConfig } from '../config/types.ts';
import { configCheck, pass, warn, type Check, type CheckResult } from './check.ts';
import { CHECKLIST } from './checklist.ts';

const PUBLIC_HTTPS_PORT = 443;

/** Ward serves the API and the web UI on one port; in production that port should be, or be reached through, 443. */
export function judgeListeningPort(config: WardConfig): CheckResult {
  const { host, port } = config.server;
  if (config.mode === 'development') {
    return pass(`one port serves the API and the web UI: ${host}:${port}, loopback only in development`);
  }
  if (port === PUBLIC_HTTPS_PORT) {
    return pass(`one port serves the API and the web UI: ${PUBLIC_HTTPS_PORT}`);
  }
  if (isLoopback(host)) {
    return pass(
      `one port serves the API and the web UI: ${host}:${port}, loopback only (behind a reverse proxy on ${PUBLIC_HTTPS_PORT})`,
    );
  }
  return warn(
    `one port serves the API and the web UI, ${port}, which is not ${PUBLIC_HTTPS_PORT}`,
    `open only ${PUBLIC_HTTPS_PORT} to the public: redirect it to ${port} in the firewall (e.g. nftables/iptables REDIRECT) or put a reverse proxy on ${PUBLIC_HTTPS_PORT}, and keep every other port closed`,
  );
}

interface Endpoint {
  readonly host: string;
  readonly port: string;
}

/** Where a service URL connects over TCP, or undefined for a Unix socket. Credentials are left out. */
export function networkEndpoint(url: string, defaultPort: string): Endpoint | undefined {
  const parsed = new URL(url);
  // libpq and node-postgres accept the host as a query parameter; a path there is a Unix socket.
  const host =
    parsed.searchParams.get('host') ?? decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host.startsWith('/')) return undefined;
  const port = parsed.searchParams.get('port') ?? (parsed.port === '' ? defaultPort : parsed.port);
  return { host, port };
}

/** The database (and Redis) must be reachable by Ward's nodes only, never from the public network. */
export function judgeServicePorts(config: WardConfig): CheckResult {
  const services: [string, string | undefined, string][] = [
    ['database.url', config.database.url, '5432'],
    ['database.runtime.url', config.database.runtimeUrl, '5432'],
    ['redis.url', config.redisUrl, '6379'],
  ];
  const local: string[] = [];
  const remote: Endpoint[] = [];
  if (config.database.url === undefined)
    local.push('the embedded PostgreSQL listens on a Unix socket, no TCP port');
  for (const [key, url, defaultPort] of services) {
    if (url === undefined) continue;
    const endpoint = networkEndpoint(url, defaultPort);
    if (endpoint === undefined) local.push(`${key} uses a Unix socket`);
    else if (isLoopback(endpoint.host)) local.push(`${key} uses loopback ${endpoint.host}:${endpoint.port}`);
    else if (!remote.some((r) => r.host === endpoint.host && r.port === endpoint.port)) remote.push(endpoint);
  }
  if (remote.length > 0) {
    const where = remote.map((r) => `${r.host}:${r.port}`).join(', ');
    const ports = [...new Set(remote.map((r) => r.port))].join(', ');
    return warn(
      `Ward reaches ${where} over the network`,
      `allow port ${ports} only from Ward's nodes in the firewall; it must never be open to the public`,
    );
  }
  return pass(local.join('; '));
}

export const listeningPortCheck: Check = configCheck('listening-port', CHECKLIST.ports, judgeListeningPort);
export const servicePortsCheck: Check = configCheck('service-ports', CHECKLIST.ports, judgeServicePorts);
