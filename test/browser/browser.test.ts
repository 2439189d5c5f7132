// The watcher is what makes "zero CSP violations" in the other browser tests mean something, so it is
// itself tested against pages that break the policy on purpose.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchCspViolations } from './browser.ts';

const policy = "default-src 'self'; script-src 'self'; style-src 'self'";

const pages: Record<string, { type: string; body: string }> = {
  '/clean': {
    type: 'text/html',
    body: '<!doctype html><title>clean</title><script src="/ok.js"></script><p id="done">clean</p>',
  },
  '/inline-script': {
    type: 'text/html',
    body: '<!doctype html><title>inline</title><script>document.title = "ran"</script><p id="done">x</p>',
  },
  '/style-attribute': {
    type: 'text/html',
    body: '<!doctype html><title>style</title><p id="done" style="color: red">x</p>',
  },
  '/throws': {
    type: 'text/html',
    body: '<!doctype html><title>throws</title><script src="/throw.js"></script><p id="done">x</p>',
  },
  '/ok.js': { type: 'text/javascript', body: 'document.documentElement.dataset.ok = "yes";' },
  '/throw.js': { type: 'text/javascript', body: 'throw new Error("deliberate failure");' },
};

void describe('watchCspViolations', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin = '';

  before(async () => {
    server = createServer((request, response) => {
      const page = pages[request.url ?? ''];
      if (!page) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'Content-Type': page.type, 'Content-Security-Policy': policy });
      response.end(page.body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function visit(path: string): Promise<{ violations: string[]; pageErrors: string[] }> {
    const page = await browser!.newPage();
    try {
      const problems = await watchCspViolations(page);
      await page.goto(origin + path);
      await page.locator('#done').waitFor();
      // Violation reports are delivered asynchronously; a short settle avoids racing them.
      await page.waitForTimeout(200);
      return problems;
    } finally {
      await page.close();
    }
  }

  void test('reports nothing for a page that keeps to the policy', async () => {
    const problems = await visit('/clean');
    assert.deepEqual(problems, { violations: [], pageErrors: [] });
  });

  void test('catches an inline script through both the console and the DOM event', async () => {
    const { violations } = await visit('/inline-script');
    assert.ok(
      violations.some((v) => v.startsWith('console:')),
      `no console report in ${JSON.stringify(violations)}`,
    );
    assert.ok(
      violations.some((v) => v.startsWith('event:') && v.includes('script-src')),
      `no event report in ${JSON.stringify(violations)}`,
    );
  });

  void test('catches a style attribute', async () => {
    const { violations } = await visit('/style-attribute');
    assert.ok(
      violations.some((v) => v.includes('style-src')),
      `no style-src report in ${JSON.stringify(violations)}`,
    );
  });

  void test('records uncaught errors in the page', async () => {
    const { pageErrors } = await visit('/throws');
    assert.equal(pageErrors.length, 1);
    assert.match(pageErrors[0]!, /deliberate failure/);
  });
});
