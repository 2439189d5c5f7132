// The web shell as a user meets it: served by a real Ward under its strict CSP, in a real Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startWard } from '../../server/test/harness.ts';
import type { RunningWard } from '../../server/test/harness.ts';
import { launchBrowser, watchCspViolations } from './browser.ts';
import type { PageProblems } from './browser.ts';

const builtIndex = path.resolve(import.meta.dirname, '../../web/dist/index.html');

const phone = { width: 360, height: 740 };

void describe('web shell', () => {
  let ward: RunningWard | undefined;
  let browser: Browser | undefined;

  before(async () => {
    assert.ok(
      existsSync(builtIndex),
      'web/dist/index.html is missing: build the web app with `npm run build:web` before the browser tests',
    );
    ward = await startWard();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await ward?.stop();
  });

  /** Opens the shell in a fresh browser context and waits until the sign-in form is on screen. */
  async function openShell(
    viewport = { width: 1280, height: 800 },
  ): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser!.newContext({ viewport, locale: 'en-US' });
    const page = await context.newPage();
    const problems = await watchCspViolations(page);
    const response = await page.goto(ward!.url + '/');
    assert.equal(response?.status(), 200);
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    return { page, problems };
  }

  async function closeShell(page: Page, problems: PageProblems): Promise<void> {
    // Reports arrive asynchronously; let any pending one land before judging.
    await page.waitForTimeout(100);
    await page.context().close();
    assert.deepEqual(problems.violations, [], 'the page broke the Content Security Policy');
    assert.deepEqual(problems.pageErrors, [], 'the page threw errors');
  }

  void test('loads under a strict Content Security Policy without violations or errors', async () => {
    const { page, problems } = await openShell();
    const response = await page.request.get(ward!.url + '/');
    const policy = response.headers()['content-security-policy'] ?? '';
    assert.match(policy, /script-src 'self'(;|$)/, `weak or missing CSP: ${policy}`);
    assert.match(policy, /style-src 'self'(;|$)/, `weak or missing CSP: ${policy}`);

    await page.getByRole('textbox', { name: 'Username' }).waitFor();
    await page.getByLabel('Password').waitFor();
    // The footer fills in from /api/config/public once the server has answered.
    await page.locator('.server-status[data-state="up"]').waitFor();
    await closeShell(page, problems);
  });

  void test('switches to Spanish from the language selector', async () => {
    const { page, problems } = await openShell();
    await page.getByLabel('Language').selectOption('es');
    await page.getByRole('heading', { level: 1, name: 'Iniciar sesión' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    assert.ok(await page.getByLabel('Contraseña').isVisible());
    await closeShell(page, problems);
  });

  void test('refuses an unknown user with the same message as a wrong password', async () => {
    const { page, problems } = await openShell();
    await page.getByRole('textbox', { name: 'Username' }).fill(`nobody-${Date.now()}`);
    await page.getByLabel('Password').fill('not the password of anyone');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    assert.equal(response.status(), 401);
    const body = (await response.json()) as { error?: { code?: unknown } };
    assert.equal(body.error?.code, 'invalid_credentials');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // The page words it from the code, in the reader's language; nothing tells an unknown user apart.
    assert.equal(
      (await alert.textContent())?.trim(),
      'The username or password is not correct, or this account is locked for a few minutes after repeated failures.',
    );
    // The password is not left in the form after a failed attempt.
    assert.equal(await page.getByLabel('Password').inputValue(), '');
    await closeShell(page, problems);
  });

  void test('says it is loading a page, and offers a reload when the page’s code is gone', async () => {
    const { page, problems } = await openShell();
    // The sign-in page is up, so the first download is complete. From here on scripts answer 404, as
    // after a deployment replaced this build's files; the first one is held back for a moment.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/assets/*.js', async (route) => {
      await held;
      await route.fulfill({ status: 404, body: '' });
    });
    // A client-side move to another page, as a link would make it.
    await page.evaluate(
      "history.pushState(null, '', '/set-password'); dispatchEvent(new PopStateEvent('popstate'))",
    );
    await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
    release();

    const alert = page.getByRole('alert');
    await alert.getByRole('heading', { level: 1, name: 'This page could not be loaded' }).waitFor();
    await page.unroute('**/assets/*.js');
    await alert.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    await closeShell(page, problems);
  });

  void test('fits a 360 px wide phone without horizontal scrolling, in every language', async () => {
    const { page, problems } = await openShell(phone);
    const scrollWidth = (): Promise<number> => page.evaluate<number>('document.documentElement.scrollWidth');
    assert.ok((await scrollWidth()) <= phone.width, `English page is ${await scrollWidth()} px wide`);

    await page.getByLabel('Language').selectOption('es');
    await page.getByRole('heading', { level: 1, name: 'Iniciar sesión' }).waitFor();
    assert.ok((await scrollWidth()) <= phone.width, `Spanish page is ${await scrollWidth()} px wide`);
    await closeShell(page, problems);
  });
});
