// Signing in, the last-access banner, the profile (password and sessions), the restricted password-change
// state, set-password links and the captchas, as a user meets them: a real Ward under its strict CSP, in
// a real Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startFakeRecaptchaVerifier } from '../../server/src/auth/captcha/fake-recaptcha-verifier.ts';
import type { FakeRecaptchaVerifier } from '../../server/src/auth/captcha/fake-recaptcha-verifier.ts';
import { startWard } from '../../server/test/harness.ts';
import type { RunningWard } from '../../server/test/harness.ts';
import { openTestDb, seedInstitution, seedUser, setPasswordLink } from './accounts.ts';
import type { SeededUser, TestDb } from './accounts.ts';
import { launchBrowser, watchCspViolations } from './browser.ts';
import type { PageProblems } from './browser.ts';

const builtIndex = path.resolve(import.meta.dirname, '../../web/dist/index.html');
const ADMIN_PASSWORD = 'correct horse battery staple for tests';
const INVALID_CREDENTIALS =
  'The username or password is not correct, or this account is locked for a few minutes after repeated failures.';
const desktop = { width: 1280, height: 800 };
const phone = { width: 360, height: 740 };

interface OpenPage {
  page: Page;
  problems: PageProblems;
}

async function open(browser: Browser, url: string, viewport = desktop): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  const problems = await watchCspViolations(page);
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  return { page, problems };
}

/** Closes the page's context and fails the test if the page broke the CSP or threw at any point. */
async function finish({ page, problems }: OpenPage): Promise<void> {
  // Reports arrive asynchronously; let any pending one land before judging.
  await page.waitForTimeout(100);
  await page.context().close();
  assert.deepEqual(problems.violations, [], 'the page broke the Content Security Policy');
  assert.deepEqual(problems.pageErrors, [], 'the page threw errors');
}

async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signIn(
  page: Page,
  user: { username: string; displayName: string },
  password: string,
): Promise<void> {
  await submitSignIn(page, user.username, password);
  await page.getByRole('heading', { level: 1, name: `Welcome, ${user.displayName}` }).waitFor();
}

async function alertText(page: Page): Promise<string> {
  const alert = page.getByRole('alert');
  await alert.waitFor();
  return (await alert.textContent())?.trim() ?? '';
}

async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Logout' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

void describe('sign-in pages', () => {
  let ward: RunningWard | undefined;
  let browser: Browser | undefined;
  let db: TestDb | undefined;
  let hospital = '';
  let userCount = 0;

  before(async () => {
    assert.ok(
      existsSync(builtIndex),
      'web/dist/index.html is missing: build the web app with `npm run build:web` before the browser tests',
    );
    ward = await startWard();
    db = openTestDb(ward.database.url);
    hospital = await seedInstitution(db, 'Hospital Central');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await db?.destroy();
    await ward?.stop();
  });

  /** A doctor of Hospital Central (Standard level: 15 characters without a second factor). */
  async function doctor(
    password: string | undefined,
    options: { mustChangePassword?: boolean } = {},
  ): Promise<SeededUser> {
    userCount += 1;
    return seedUser(db!, {
      username: `doctor${userCount}`,
      displayName: `Doctor Number ${userCount}`,
      ...(password === undefined ? {} : { password }),
      ...options,
      membership: { institutionId: hospital, roles: ['doctor', 'auditor'], levelName: 'Standard' },
    });
  }

  void test('home shows the previous sign-in and the failed attempts since; Logout signs out', async () => {
    const admin = { username: 'admin', displayName: 'System administrator' };
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;

    await signIn(page, admin, ADMIN_PASSWORD);
    const banner = page.getByRole('region', { name: 'Last access' });
    assert.match((await banner.textContent()) ?? '', /This is your first sign-in\./);
    assert.equal(await banner.getAttribute('data-failed'), '0');
    await page.getByRole('link', { name: 'See your sign-in history' }).waitFor();
    const history = (await (await page.request.get(ward!.url + '/api/me/sign-ins')).json()) as {
      items: { at: string }[];
    };
    const [first] = history.items;
    assert.ok(first, 'the first sign-in is in the history');

    await logout(page);
    assert.equal(
      (await page.getByRole('status').filter({ hasText: 'signed out' }).textContent())?.trim(),
      'You have signed out.',
    );
    assert.equal(new URL(page.url()).pathname, '/');
    // The session really ended on the server, not just in the page.
    assert.equal((await page.request.get(ward!.url + '/api/me')).status(), 401);

    await submitSignIn(page, admin.username, 'not the admin password');
    assert.equal(await alertText(page), INVALID_CREDENTIALS);

    await signIn(page, admin, ADMIN_PASSWORD);
    const text = (await banner.textContent()) ?? '';
    assert.match(text, /^Last accessYour previous sign-in: .+ from 127\.0\.0\.1 \(Chrome \d+ on Linux\)/);
    const time = banner.locator('time');
    assert.equal(await time.getAttribute('datetime'), first.at);
    // In the reader's locale and time zone, as the browser itself formats them.
    const expectedTime = await page.evaluate<string>(
      `new Intl.DateTimeFormat(navigator.language, { dateStyle: 'medium', timeStyle: 'medium' })
        .format(new Date(${JSON.stringify(first.at)}))`,
    );
    assert.equal(await time.textContent(), expectedTime);
    assert.match(text, /1 failed attempt since then/);
    assert.match((await banner.getAttribute('class')) ?? '', /last-access--warning/);

    await page.getByRole('link', { name: 'See your sign-in history' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign-in history' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/profile/sign-ins');
    // The heading shows before the history has arrived.
    await page.locator('table.sign-ins').waitFor();
    const outcomes = await page.locator('table.sign-ins tbody td:last-child').allTextContents();
    assert.deepEqual(outcomes, ['Signed in', 'Wrong password', 'Signed in']);
    await finish(opened);
  });

  void test('a wrong password is refused with the invalid-credentials message, and the password is cleared', async () => {
    const user = await doctor('quiet orange lantern by the river');
    const opened = await open(browser!, ward!.url + '/');
    await submitSignIn(opened.page, user.username, 'quiet orange lantern by the sea');
    assert.equal(await alertText(opened.page), INVALID_CREDENTIALS);
    assert.equal(await opened.page.getByLabel('Password', { exact: true }).inputValue(), '');
    assert.equal((await opened.page.request.get(ward!.url + '/api/me')).status(), 401);
    await finish(opened);
  });

  void test('after home, the other account pages open without a loading step', async () => {
    const password = 'amber kettle sings at dawn';
    const user = await doctor(password);
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, user, password);
    // Home brought the account pages' code; from here on, count every "Loading…" shown in place of a page.
    await page.evaluate(`
      globalThis.pageLoadingShown = 0;
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of record.addedNodes)
            if (node instanceof Element && node.matches('.app-loading')) globalThis.pageLoadingShown += 1;
      }).observe(document.querySelector('main'), { childList: true, subtree: true });
    `);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    await nav.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: `Welcome, ${user.displayName}` }).waitFor();
    await page.getByRole('link', { name: 'See your sign-in history' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign-in history' }).waitFor();
    assert.equal(await page.evaluate<number>('globalThis.pageLoadingShown'), 0);
    await finish(opened);
  });

  void test('profile: a weak new password shows live reasons, a strong one is accepted, the old one stops working', async () => {
    const oldPassword = 'paper kites over a windy hill';
    const newPassword = 'violet canyon morning harbor 47';
    const user = await doctor(oldPassword);
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, user, oldPassword);

    const institutions = page.getByRole('region', { name: 'Your institutions' });
    const memberships = (await institutions.textContent()) ?? '';
    assert.match(memberships, /Hospital Central/);
    assert.match(memberships, /Doctor, Auditor/);
    assert.match(memberships, /Security levelStandard/);

    await page
      .getByRole('navigation', { name: 'Your account' })
      .getByRole('link', { name: 'Profile' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
    await page.getByText('at least 15 characters long').waitFor();

    const changes: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/me/password'))
        changes.push(request.url());
    });
    await page.getByLabel('Current password').fill(oldPassword);
    await page.getByLabel('New password', { exact: true }).pressSequentially('hospital1');
    const live = page.locator('.password-live');
    await live.getByText('At least 15 characters are required.').waitFor();
    assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.deepEqual(changes, [], 'the live check must not change the password');

    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await live.getByText('This password meets the requirements.').waitFor();
    await page.getByLabel('Confirm the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password was changed.' }).waitFor();

    await logout(page);
    await submitSignIn(page, user.username, oldPassword);
    assert.equal(await alertText(page), INVALID_CREDENTIALS);
    await signIn(page, user, newPassword);
    await finish(opened);
  });

  void test('the sessions list marks this device and signs out another session, which then ends there too', async () => {
    const password = 'seven green bottles on a wall';
    const user = await doctor(password);
    const here = await open(browser!, ward!.url + '/');
    const elsewhere = await open(browser!, ward!.url + '/');
    await signIn(elsewhere.page, user, password);
    await signIn(here.page, user, password);

    await here.page.goto(ward!.url + '/profile');
    const rows = here.page.locator('table.sessions tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    assert.match((await rows.nth(0).textContent()) ?? '', /This device/);
    assert.match((await rows.nth(0).textContent()) ?? '', /127\.0\.0\.1/);
    assert.doesNotMatch((await rows.nth(1).textContent()) ?? '', /This device/);

    await rows
      .nth(1)
      .getByRole('button', { name: /^Sign out/ })
      .click();
    await here.page.getByText('You are signed in on this device only.').waitFor();
    assert.equal(await rows.count(), 1);

    // The other browser learns at its next request that its session is over.
    await elsewhere.page.getByRole('link', { name: 'Profile' }).click();
    await elsewhere.page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await elsewhere.page.getByText('Your session has ended. Sign in again to continue.').waitFor();

    await finish(here);
    await finish(elsewhere);
  });

  void test('on a 360 px phone, home, profile and history fit without horizontal scrolling, in both languages', async () => {
    const password = 'lemon trees along the old road';
    const user = await doctor(password);
    const opened = await open(browser!, ward!.url + '/', phone);
    const { page } = opened;
    await signIn(page, user, password);
    // A failed attempt in between makes the banner its longest (the warning and its advice).
    await logout(page);
    await submitSignIn(page, user.username, 'wrong');
    await alertText(page);
    await signIn(page, user, password);

    for (const [where, heading] of [
      ['/', `Welcome, ${user.displayName}`],
      ['/profile', 'Your profile'],
      ['/profile/sign-ins', 'Sign-in history'],
    ] as const) {
      await page.goto(ward!.url + where);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.locator('[role="status"]:has-text("Loading")').waitFor({ state: 'detached' });
      assert.equal(await horizontalOverflow(page), 0, `${where} scrolls sideways in English`);
    }
    // Tables become one card per row: the header row is hidden and each cell names its column.
    const header = await page.locator('table.sign-ins thead').boundingBox();
    assert.ok(header === null || header.height <= 1, 'the table header is still shown on a phone');

    await page.getByLabel('Language').selectOption('es');
    for (const [where, heading] of [
      ['/', `Hola, ${user.displayName}`],
      ['/profile', 'Su perfil'],
    ] as const) {
      await page.goto(ward!.url + where);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      assert.equal(await horizontalOverflow(page), 0, `${where} scrolls sideways in Spanish`);
    }
    await finish(opened);
  });

  void test('a password that must be changed allows nothing else until it is, then continues home', async () => {
    const oldPassword = 'a temporary password from the admin';
    const newPassword = 'marble stairs under summer rain';
    const user = await doctor(oldPassword, { mustChangePassword: true });
    const opened = await open(browser!, ward!.url + '/profile');
    const { page } = opened;

    await submitSignIn(page, user.username, oldPassword);
    await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();
    await page.getByText('Your password has expired or must be changed before you continue.').waitFor();
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(await nav.getByRole('link', { name: 'Profile' }).count(), 0);
    await nav.getByRole('button', { name: 'Logout' }).waitFor();
    // The server agrees: the rest of the account is closed to this session.
    const sessions = await page.request.get(ward!.url + '/api/me/sessions');
    assert.equal(sessions.status(), 403);

    await page.goto(ward!.url + '/profile/sign-ins');
    await page.getByRole('heading', { level: 1, name: 'Change your password' }).waitFor();

    await page.getByLabel('Current password').fill(oldPassword);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm the new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 1, name: `Welcome, ${user.displayName}` }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await finish(opened);
  });

  void test("a set-password link hides its token, shows the server's reasons, then sets the password", async () => {
    const user = await doctor(undefined);
    const link = await setPasswordLink(db!, user.id);
    const opened = await open(browser!, ward!.url + link);
    const { page } = opened;
    await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token stays in the address bar');

    await page.getByLabel('New password', { exact: true }).fill('password');
    await page.getByLabel('Confirm the new password').fill('password');
    await page.getByRole('button', { name: 'Save password' }).click();
    const reasons = await alertText(page);
    assert.match(reasons, /At least 15 characters are required\./);
    assert.match(reasons, /one of the most common or breached passwords/);

    const password = 'copper kettle singing at dawn';
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Confirm the new password').fill(password);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByText('Your password is saved. You can now sign in with it.').waitFor();
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await signIn(page, user, password);

    // The link was good for one use.
    await page.goto(ward!.url + link);
    await page.getByLabel('New password', { exact: true }).fill('another long passphrase for me');
    await page.getByLabel('Confirm the new password').fill('another long passphrase for me');
    await page.getByRole('button', { name: 'Save password' }).click();
    assert.match(await alertText(page), /This link cannot be used/);

    await page.goto(ward!.url + '/set-password');
    assert.match(await alertText(page), /This link is incomplete/);
    await finish(opened);
  });

  void test('explains each refusal: too many attempts with the wait, captcha down, no connection', async () => {
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    // Answers the server gives only under load or attack, stood in for at the network edge.
    const answers: { status: number; headers: Record<string, string>; body: unknown }[] = [
      {
        status: 429,
        headers: { 'retry-after': '150' },
        body: { error: { code: 'too_many_requests', message: 'x', details: { retryAfterSeconds: 150 } } },
      },
      // Without details the Retry-After header alone says how long.
      {
        status: 429,
        headers: { 'retry-after': '45' },
        body: { error: { code: 'too_many_requests', message: 'x' } },
      },
      { status: 503, headers: {}, body: { error: { code: 'captcha_unavailable', message: 'x' } } },
      { status: 403, headers: {}, body: { error: { code: 'csrf_rejected', message: 'x' } } },
    ];
    const expected = [
      'Too many attempts. Try again in 3 minutes.',
      'Too many attempts. Try again in 1 minute.',
      'The captcha cannot be checked right now, so signing in is paused. Try again shortly.',
      'Ward refused the request because it did not seem to come from this page. Reload the page and try again.',
    ];
    for (const [index, answer] of answers.entries()) {
      await page.route('**/api/auth/login', (route) =>
        route.fulfill({ status: answer.status, headers: answer.headers, json: answer.body }),
      );
      await submitSignIn(page, 'admin', 'whatever');
      assert.equal(await alertText(page), expected[index]);
      await page.unroute('**/api/auth/login');
    }
    await page.route('**/api/auth/login', (route) => route.abort('connectionrefused'));
    await submitSignIn(page, 'admin', 'whatever');
    await page.getByRole('alert').filter({ hasText: 'Ward could not be reached.' }).waitFor();
    await finish(opened);
  });

  void test('shows the sign-in page in Spanish with translated errors', async () => {
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await page.getByLabel('Language').selectOption('es');
    await page.getByRole('form', { name: 'Iniciar sesión' }).waitFor();
    await page.getByRole('textbox', { name: 'Usuario' }).fill(`nobody-${Date.now()}`);
    await page.getByLabel('Contraseña', { exact: true }).fill('not the password of anyone');
    await page.getByRole('button', { name: 'Iniciar sesión', exact: true }).click();
    assert.match(await alertText(page), /^El usuario o la contraseña no son correctos/);
    await finish(opened);
  });
});

void describe('captcha on the sign-in page', () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  void test('ALTCHA: the browser solves the proof of work while saying so, and the sign-in passes', async () => {
    const ward = await startWard({ properties: { 'captcha.provider': 'altcha', 'captcha.when': 'always' } });
    try {
      const context: BrowserContext = await browser!.newContext({ viewport: desktop, locale: 'en-US' });
      const page = await context.newPage();
      const problems = await watchCspViolations(page);
      // Holding the challenge back a moment makes the waiting state observable.
      let releaseChallenge: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        releaseChallenge = resolve;
      });
      await page.route('**/api/auth/captcha/challenge', async (route) => {
        await held;
        await route.continue();
      });
      const logins: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/auth/login')) logins.push(request.postData() ?? '');
      });

      await page.goto(ward.url + '/');
      await page.getByRole('status').filter({ hasText: 'Verifying you are human…' }).waitFor();
      releaseChallenge();
      await page
        .getByRole('status')
        .filter({ hasText: 'Verified: you can sign in.' })
        .waitFor({ timeout: 60_000 });

      await signIn(page, { username: 'admin', displayName: 'System administrator' }, ADMIN_PASSWORD);
      const sent = JSON.parse(logins[0] ?? '{}') as { captcha?: string };
      assert.equal(typeof sent.captcha, 'string', 'the sign-in carried no captcha');
      const payload = JSON.parse(Buffer.from(sent.captcha!, 'base64').toString('utf8')) as {
        challenge?: { signature?: unknown };
        solution?: { counter?: unknown; derivedKey?: unknown };
      };
      assert.equal(typeof payload.challenge?.signature, 'string');
      assert.equal(typeof payload.solution?.counter, 'number');
      await finish({ page, problems });
    } finally {
      await ward.stop();
    }
  });

  void test('ALTCHA: a used solution is not sent twice; after a failure a new one is solved', async () => {
    const ward = await startWard({ properties: { 'captcha.provider': 'altcha', 'captcha.when': 'always' } });
    try {
      const opened = await open(browser!, ward.url + '/');
      const { page } = opened;
      const captchas: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/auth/login')) {
          captchas.push((JSON.parse(request.postData() ?? '{}') as { captcha?: string }).captcha ?? '');
        }
      });
      const verified = page.getByRole('status').filter({ hasText: 'Verified: you can sign in.' });
      await verified.waitFor({ timeout: 60_000 });
      await submitSignIn(page, 'admin', 'not the admin password');
      assert.equal(await alertText(page), INVALID_CREDENTIALS);
      await verified.waitFor({ timeout: 60_000 });
      await signIn(page, { username: 'admin', displayName: 'System administrator' }, ADMIN_PASSWORD);
      assert.equal(captchas.length, 2);
      assert.notEqual(captchas[0], captchas[1]);
      await finish(opened);
    } finally {
      await ward.stop();
    }
  });

  void test("reCAPTCHA: Google's widget is loaded from Google, rendered with the site key, and its token is sent", async () => {
    const secret = 'recaptcha-secret-for-browser-tests';
    const verifier: FakeRecaptchaVerifier = await startFakeRecaptchaVerifier({
      secret,
      acceptedTokens: ['token-1', 'token-2'],
    });
    const ward = await startWard({
      properties: {
        'google.recaptcha.enable': 'true',
        'google.recaptcha.site.key': 'site-key-for-browser-tests',
        'google.recaptcha.secret.key': secret,
        'google.recaptcha.validator.url': verifier.url,
        'captcha.when': 'always',
      },
    });
    try {
      const context = await browser!.newContext({ viewport: desktop, locale: 'en-US' });
      const page = await context.newPage();
      const problems = await watchCspViolations(page);
      // Google's script, stood in for: a checkbox that hands the page a token when ticked.
      const scripts: string[] = [];
      await page.route('https://www.google.com/recaptcha/api.js*', async (route) => {
        scripts.push(route.request().url());
        await route.fulfill({ contentType: 'text/javascript', body: fakeRecaptchaScript });
      });

      await page.goto(ward.url + '/');
      const box = page.getByRole('checkbox', { name: "I'm not a robot" });
      await box.waitFor();
      assert.equal(scripts.length, 1);
      assert.match(scripts[0]!, /[?&]render=explicit/);
      assert.equal(
        await page.evaluate('JSON.stringify(globalThis.renderedWith)'),
        JSON.stringify({ sitekey: 'site-key-for-browser-tests', size: 'normal' }),
      );

      // Without ticking the box the page asks for it instead of sending a request bound to fail.
      await submitSignIn(page, 'admin', ADMIN_PASSWORD);
      assert.equal(await alertText(page), 'Complete the captcha first.');

      await box.check();
      await signIn(page, { username: 'admin', displayName: 'System administrator' }, ADMIN_PASSWORD);
      assert.equal(verifier.requests.at(-1)?.form.get('response'), 'token-1');
      await finish({ page, problems });
    } finally {
      await ward.stop();
      await verifier.close();
    }
  });
});

const fakeRecaptchaScript = `
  let issued = 0;
  globalThis.grecaptcha = {
    ready(callback) { callback(); },
    render(container, options) {
      globalThis.renderedWith = { sitekey: options.sitekey, size: options.size };
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.id = 'fake-recaptcha';
      const label = document.createElement('label');
      label.htmlFor = 'fake-recaptcha';
      label.textContent = "I'm not a robot";
      box.addEventListener('change', () => { if (box.checked) options.callback('token-' + ++issued); });
      container.append(box, label);
      globalThis.fakeRecaptchaBox = box;
      return 0;
    },
    reset() { globalThis.fakeRecaptchaBox.checked = false; },
  };
`;
