// Browser-test tooling: playwright-core drives the system's Chromium (no browser is downloaded), and every
// page can be watched for Content Security Policy violations and uncaught errors.
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** Launches headless Chromium; CHROMIUM_PATH overrides where it is installed. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** What went wrong in a page, filled in as it happens. */
export interface PageProblems {
  /** CSP violations, from the console and from `securitypolicyviolation` events (so one may appear twice). */
  violations: string[];
  /** Uncaught exceptions and unhandled rejections in the page. */
  pageErrors: string[];
}

const reportBinding = '__wardReportCspViolation';

// Runs in the page before any of its own scripts. Given as source text because the test program has no DOM
// types; it reads only standard fields of SecurityPolicyViolationEvent.
const violationListener = `
  addEventListener('securitypolicyviolation', (event) => {
    const where = event.sourceFile ? ' at ' + event.sourceFile + ':' + event.lineNumber : '';
    const sample = event.sample ? ' sample: ' + event.sample : '';
    globalThis[${JSON.stringify(reportBinding)}](
      event.effectiveDirective + ' blocked ' + (event.blockedURI || 'inline') + where + sample,
    );
  }, true);
`;

/**
 * Starts recording CSP violations and page errors. Await it before the first navigation so that nothing
 * the page does while loading escapes it.
 */
export async function watchCspViolations(page: Page): Promise<PageProblems> {
  const problems: PageProblems = { violations: [], pageErrors: [] };

  // Chromium logs each violation to the console, including ones the DOM event is not fired for.
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) {
      problems.violations.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => {
    problems.pageErrors.push(error.stack ?? error.message);
  });

  await page.exposeFunction(reportBinding, (description: string) => {
    problems.violations.push(`event: ${description}`);
  });
  await page.addInitScript(violationListener);
  return problems;
}
