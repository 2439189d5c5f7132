// Two-factor authentication as a user meets it, in a real Chromium against a real Ward under its strict
// CSP: the profile's "Enable two-factor authentication" dialog (password again, QR code and typed key,
// the 6-digit code, recovery codes shown once), the code step at sign-in, recovery codes, the screen of a
// user whose security level requires it, and the notice after an administrator's reset. Codes come from
// oath-toolkit's `oathtool`, an authenticator independent of Ward, fed the key read off the dialog.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import type { Browser, Locator, Page } from 'playwright-core';
import { startWard } from '../../server/test/harness.ts';
import type { RunningWard } from '../../server/test/harness.ts';
import {
  compactCode,
  groupSecret,
  isSixDigitCode,
  normaliseRecoveryCode,
  recoveryCodesFile,
} from '../../web/src/twofactor/codes.ts';
import { openTestDb, seedInstitution, seedUser } from './accounts.ts';
import type { SeededUser, TestDb } from './accounts.ts';
import { launchBrowser, watchCspViolations } from './browser.ts';
import type { PageProblems } from './browser.ts';

const run = promisify(execFile);

const builtIndex = path.resolve(import.meta.dirname, '../../web/dist/index.html');
const ADMIN_PASSWORD = 'correct horse battery staple for tests';
const admin = { username: 'admin', displayName: 'System administrator' };
const desktop = { width: 1280, height: 800 };
const phone = { width: 360, height: 740 };
/** Where to save screenshots of the dialog for a person to look at; none are taken without it. */
const screenshotDir = process.env.WARD_SCREENSHOT_DIR;

const CODE_INVALID =
  "Code not valid. Check the 6 digits your app shows now, and that your phone's clock is right.";
const CODE_USED = 'Code already used: wait for the next one.';
const NOT_AVAILABLE =
  'Two-factor authentication is not enabled for your institution; ask your administrator.';
const RECOVERY_CODE = /^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/;

/** The code an authenticator app shows `secondsAhead` from now, computed by oath-toolkit. */
async function oathtool(secret: string, secondsAhead = 0): Promise<string> {
  const at = new Date(Date.now() + secondsAhead * 1000).toISOString();
  const { stdout } = await run('oathtool', ['--totp', '-b', secret, '--now', at]);
  const code = stdout.trim();
  assert.match(code, /^\d{6}$/);
  return code;
}

/** A well-formed code that is not valid now: the one an hour ago (a collision is a one-in-a-million). */
async function wrongCode(secret: string): Promise<string> {
  const near = await Promise.all([-30, 0, 30].map((ahead) => oathtool(secret, ahead)));
  const old = await oathtool(secret, -3600);
  assert.ok(!near.includes(old));
  return old;
}

interface OpenPage {
  page: Page;
  problems: PageProblems;
}

async function open(browser: Browser, url: string, viewport = desktop): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US', acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  const problems = await watchCspViolations(page);
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  return { page, problems };
}

/** Closes the page's context and fails the test if the page broke the CSP or threw at any point. */
async function finish({ page, problems }: OpenPage): Promise<void> {
  await page.waitForTimeout(100);
  await page.context().close();
  assert.deepEqual(problems.violations, [], 'the page broke the Content Security Policy');
  assert.deepEqual(problems.pageErrors, [], 'the page threw errors');
}

async function submitPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function waitForHome(page: Page, displayName: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: `Welcome, ${displayName}` }).waitFor();
}

/** The sign-in's second step, once the password was right. */
function codeStep(page: Page): Locator {
  return page.getByRole('form', { name: 'Two-factor authentication' });
}

async function submitCode(page: Page, label: string, value: string): Promise<void> {
  const step = codeStep(page);
  await step.getByLabel(label, { exact: true }).fill(value);
  await step.getByRole('button', { name: 'Verify' }).click();
}

async function alertIn(scope: Locator | Page, text: string): Promise<void> {
  await scope.getByRole('alert').filter({ hasText: text }).waitFor();
}

async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Logout' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
}

async function openProfile(page: Page): Promise<Locator> {
  await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Profile' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your profile' }).waitFor();
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByText('Loading…').waitFor({ state: 'detached' });
  return section;
}

// The test program has no DOM types: these are the few things the functions run in the page read there.
interface PageElement {
  contains(other: unknown): boolean;
  scrollWidth: number;
  clientWidth: number;
  complete?: boolean;
  naturalWidth?: number;
}
declare const document: { activeElement: unknown };

/** Whether the element has the keyboard focus. */
async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element: PageElement) => element === document.activeElement);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number, undefined>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    undefined,
  );
}

/** What an enrolment left for the rest of the tests: the key the app holds and the recovery codes. */
interface Enrolled {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Steps 1 to 4 of the enrolment, wherever they are shown (the profile's dialog or the required-enrolment
 * page): the password, the key read off the screen, a code from oathtool, the recovery codes.
 */
async function enrol(scope: Locator, password: string, onQrStep?: () => Promise<void>): Promise<Enrolled> {
  await scope.getByText('Step 1 of 4').waitFor();
  await scope.getByLabel('Password', { exact: true }).fill(password);
  await scope.getByRole('button', { name: 'Continue' }).click();
  await scope.getByText('Step 2 of 4').waitFor();
  const secret = ((await scope.locator('.two-factor-secret').textContent()) ?? '').trim();
  assert.match(secret, /^[A-Z2-7]{32}$/, 'the key is 160 bits in base32');
  await onQrStep?.();
  await scope.getByRole('button', { name: 'Next' }).click();
  await scope.getByLabel('6-digit code', { exact: true }).fill(await oathtool(secret));
  await scope.getByRole('button', { name: 'Confirm' }).click();
  await scope.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  const recoveryCodes = (await scope.locator('.recovery-codes__list li').allTextContents()).map((c) =>
    c.trim(),
  );
  return { secret, recoveryCodes };
}

void describe('two-factor authentication in the browser', () => {
  let ward: RunningWard | undefined;
  let browser: Browser | undefined;
  let db: TestDb | undefined;
  /** An institution that offers two-factor authentication, and one that does not. */
  let offering = '';
  let notOffering = '';
  let adminEnrolled: Enrolled | undefined;
  let userCount = 0;

  before(async () => {
    assert.ok(
      existsSync(builtIndex),
      'web/dist/index.html is missing: build the web app with `npm run build:web` before the browser tests',
    );
    ward = await startWard({ properties: { 'app.feature.HABILITAR_2FA': 'true' } });
    db = openTestDb(ward.database.url);
    offering = await seedInstitution(db, 'Clínica Segura');
    await db
      .updateTable('ward.institutions')
      .set({ two_factor_enabled: true })
      .where('id', '=', offering)
      .execute();
    notOffering = await seedInstitution(db, 'Hospital Sin Segundo Factor');
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await db?.destroy();
    await ward?.stop();
  });

  async function member(institutionId: string, levelName: string, password: string): Promise<SeededUser> {
    userCount += 1;
    return seedUser(db!, {
      username: `person${userCount}`,
      displayName: `Person Number ${userCount}`,
      password,
      membership: { institutionId, roles: ['doctor'], levelName },
    });
  }

  void test('the profile dialog enables two-factor: password again, QR code and key, a 6-digit code, recovery codes once', async () => {
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await waitForHome(page, admin.displayName);
    const section = await openProfile(page);
    assert.match((await section.textContent()) ?? '', /StatusNot enabled/);

    const enable = section.getByRole('button', { name: 'Enable two-factor authentication' });
    await enable.click();
    const dialog = page.getByRole('dialog', { name: 'Enable two-factor authentication' });
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-modal'), 'true');
    // The focus starts in the dialog and stays there: the page behind it is inert.
    const password = dialog.getByLabel('Password', { exact: true });
    assert.ok(await isFocused(password));
    // Password, Continue, Cancel, and round again, either way.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const inside = await dialog.evaluate((element: PageElement) =>
        element.contains(document.activeElement),
      );
      assert.ok(inside, 'Tab moved the focus out of the dialog');
    }
    assert.ok(await isFocused(password), 'Tab does not cycle through the dialog');
    await page.keyboard.press('Shift+Tab');
    assert.ok(
      await isFocused(dialog.getByRole('button', { name: 'Cancel' })),
      'Shift+Tab does not cycle back',
    );
    await page.keyboard.press('Tab');
    // A click beside the dialog lands on its backdrop, not on the page behind it.
    const hit = await page.evaluate<string>('document.elementFromPoint(5, 5)?.tagName');
    assert.equal(hit, 'DIALOG', 'the page behind the dialog can still be clicked');

    // Escape closes it and gives the focus back to the button that opened it; nothing was changed.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await isFocused(enable));
    await enable.click();

    await dialog.getByLabel('Password', { exact: true }).fill('not the admin password');
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await alertIn(dialog, 'The password is not correct.');
    await dialog.getByText('Step 1 of 4').waitFor();

    await dialog.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByText('Step 2 of 4').waitFor();
    const dialogText = (await dialog.textContent()) ?? '';
    assert.match(dialogText, /Google Authenticator or FreeOTP/);

    // The QR code is an image of the server's SVG; its markup is never part of the page.
    const qr = dialog.getByRole('img', { name: 'QR code to load into your authenticator app' });
    const src = (await qr.getAttribute('src')) ?? '';
    assert.match(src, /^data:image\/svg\+xml;base64,/);
    assert.match(Buffer.from(src.split(',')[1]!, 'base64').toString('utf8'), /^<svg[\s\S]*<\/svg>\s*$/);
    assert.equal(await page.locator('dialog svg').count(), 0);
    assert.ok(
      await qr.evaluate((image: PageElement) => image.complete === true && (image.naturalWidth ?? 0) > 0),
      'no image',
    );

    // The key as text, in groups of four, and the same key on the clipboard with one click.
    const groups = await dialog.locator('.secret-key__group').allTextContents();
    assert.equal(groups.length, 8);
    assert.ok(groups.every((group) => /^[A-Z2-7]{4}$/.test(group)));
    const secret = groups.join('');
    await dialog.getByRole('button', { name: 'Copy the code' }).click();
    await dialog.getByRole('status').filter({ hasText: 'Code copied.' }).waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), secret);
    if (screenshotDir !== undefined) {
      await page.screenshot({ path: path.join(screenshotDir, 'two-factor-dialog-qr.png') });
    }

    await dialog.getByRole('button', { name: 'Next' }).click();
    await dialog.getByText('Step 3 of 4').waitFor();
    const code = dialog.getByLabel('6-digit code', { exact: true });
    assert.equal(await code.getAttribute('inputmode'), 'numeric');
    assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');

    // Fewer than six digits are pointed out without asking the server.
    const confirmations: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/me/2fa/confirm')) confirmations.push(request.postData() ?? '');
    });
    await code.fill('12345');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await alertIn(dialog, 'Enter the 6 digits your app shows.');
    assert.deepEqual(confirmations, []);

    // A wrong code leaves two-factor off and the dialog where it was.
    await code.fill(await wrongCode(secret));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await alertIn(dialog, CODE_INVALID);
    await dialog.getByText('Step 3 of 4').waitFor();
    assert.equal(confirmations.length, 1);
    const status = (await (await page.request.get(ward!.url + '/api/me/2fa')).json()) as { enabled: boolean };
    assert.equal(status.enabled, false);

    await code.fill(await oathtool(secret));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByText('Step 4 of 4').waitFor();
    await dialog.getByRole('status').filter({ hasText: 'Two-factor authentication is enabled.' }).waitFor();
    const recoveryCodes = (await dialog.locator('.recovery-codes__list li').allTextContents()).map((c) =>
      c.trim(),
    );
    assert.equal(recoveryCodes.length, 10);
    assert.ok(
      recoveryCodes.every((c) => RECOVERY_CODE.test(c)),
      recoveryCodes.join(' '),
    );
    assert.match((await dialog.textContent()) ?? '', /shown only this once/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('link', { name: 'Download as text' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'ward-recovery-codes.txt');
    const file = await readFile(await download.path(), 'utf8');
    assert.match(file, /^Ward recovery codes for admin\n/);
    for (const recoveryCode of recoveryCodes) assert.ok(file.includes(`\n${recoveryCode}\n`));

    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await dialog.waitFor({ state: 'detached' });
    await section.getByRole('status').filter({ hasText: 'Two-factor authentication is enabled.' }).waitFor();
    const text = (await section.textContent()) ?? '';
    assert.match(text, /StatusEnabled/);
    assert.match(text, /Recovery codes left10/);
    assert.equal(await section.getByRole('button', { name: 'Disable two-factor authentication' }).count(), 1);
    // The button that opened the dialog is gone (it became Disable); the focus is not lost with it.
    await page.waitForFunction(
      "document.activeElement?.tagName === 'H2' && document.activeElement.textContent === 'Two-factor authentication'",
      undefined,
      { timeout: 2000 },
    );
    adminEnrolled = { secret, recoveryCodes };
    await finish(opened);
  });

  void test('sign-in then asks for the code: a wrong one is not valid, the next one signs in, and it works only once', async () => {
    const { secret } = adminEnrolled!;
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    const step = codeStep(page);
    await step.getByText('Enter the 6-digit code from your authenticator app.').waitFor();
    const input = step.getByLabel('6-digit code', { exact: true });
    assert.equal(await input.getAttribute('inputmode'), 'numeric');
    assert.equal(await input.getAttribute('autocomplete'), 'one-time-code');
    assert.ok(await isFocused(input));
    // Without the code there is no session yet.
    assert.equal((await page.request.get(ward!.url + '/api/me')).status(), 401);

    await submitCode(page, '6-digit code', 'abc');
    await alertIn(step, 'Enter the 6 digits your app shows.');
    await submitCode(page, '6-digit code', await wrongCode(secret));
    await alertIn(step, CODE_INVALID);
    assert.equal(await input.inputValue(), '');

    // The enrolment used this time step's code; the app's next one is the one to type.
    const next = await oathtool(secret, 30);
    await submitCode(page, '6-digit code', next);
    await waitForHome(page, admin.displayName);
    assert.equal(await page.getByText('An administrator reset').count(), 0);

    await logout(page);
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await submitCode(page, '6-digit code', next);
    await alertIn(codeStep(page), CODE_USED);
    await finish(opened);
  });

  void test('a recovery code signs in once; the same one again is refused', async () => {
    const { recoveryCodes } = adminEnrolled!;
    const [first, second] = recoveryCodes as [string, string];
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await codeStep(page).getByRole('button', { name: 'Use a recovery code instead' }).click();
    const step = codeStep(page);
    await step.getByText('Enter one of the recovery codes you saved').waitFor();
    await submitCode(page, 'Recovery code', 'ABC');
    await alertIn(step, 'A recovery code has ten letters and digits, like ABCDE-23456.');
    // Typed as a person reads it off paper: lower case, without the dash.
    await submitCode(page, 'Recovery code', first.toLowerCase().replace('-', ' '));
    await waitForHome(page, admin.displayName);

    await logout(page);
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await codeStep(page).getByRole('button', { name: 'Use a recovery code instead' }).click();
    await submitCode(page, 'Recovery code', first);
    await alertIn(codeStep(page), 'Recovery code not valid or already used.');
    await submitCode(page, 'Recovery code', second);
    await waitForHome(page, admin.displayName);

    const section = await openProfile(page);
    assert.match((await section.textContent()) ?? '', /Recovery codes left8/);
    await finish(opened);
  });

  void test('an expired sign-in goes back to the password with a message', async () => {
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await codeStep(page).waitFor();
    await db!
      .updateTable('ward.second_factor_challenges')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('consumed_at', 'is', null)
      .execute();
    await submitCode(page, '6-digit code', await oathtool(adminEnrolled!.secret));
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    await alertIn(page, 'This sign-in has expired. Enter your password again.');
    assert.equal(await page.getByRole('textbox', { name: 'Username' }).inputValue(), 'admin');
    await finish(opened);
  });

  void test("after an administrator's reset, home says so once and the profile offers to enable it again", async () => {
    const adminId = (
      await db!
        .selectFrom('ward.users')
        .select('id')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow()
    ).id;
    // What an administrator's reset leaves behind: no secret, no recovery codes, the user still to be told.
    await db!
      .updateTable('ward.two_factor')
      .set({
        secret_ciphertext: null,
        enabled_at: null,
        pending_ciphertext: null,
        pending_created_at: null,
        last_used_step: null,
        reset_at: sql<Date>`now()`,
        reset_noticed_at: null,
      })
      .where('user_id', '=', adminId)
      .execute();
    await db!.deleteFrom('ward.recovery_codes').where('user_id', '=', adminId).execute();

    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, admin.username, ADMIN_PASSWORD);
    await waitForHome(page, admin.displayName);
    const notice = page.getByRole('status').filter({
      hasText: 'An administrator reset your two-factor authentication; enable it again in your profile.',
    });
    await notice.waitFor();
    await notice.getByRole('link', { name: 'Go to your profile' }).click();
    const section = page.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByRole('button', { name: 'Enable two-factor authentication' }).waitFor();
    await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: 'Home' }).click();
    await waitForHome(page, admin.displayName);
    assert.equal(await page.getByText('An administrator reset').count(), 0, 'the notice is said only once');
    await finish(opened);
  });

  void test('where the institution does not offer it, the profile shows no option but says to ask the administrator', async () => {
    const password = 'amber lanterns over quiet water';
    const user = await member(notOffering, 'Standard', password);
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await submitPassword(page, user.username, password);
    await waitForHome(page, user.displayName);
    const section = await openProfile(page);
    await section.getByText(NOT_AVAILABLE).waitFor();
    assert.equal(await page.getByRole('button', { name: /two-factor/ }).count(), 0);
    await finish(opened);
  });

  void test('a user whose security level requires two-factor must enrol first, then continues home', async () => {
    const password = 'granite bridges in the fog';
    const user = await member(offering, 'High', password);
    const opened = await open(browser!, ward!.url + '/profile');
    const { page } = opened;
    await submitPassword(page, user.username, password);
    await page.getByRole('heading', { level: 1, name: 'Two-factor authentication required' }).waitFor();
    await page
      .getByText('Your security level requires two-factor authentication before you continue.')
      .waitFor();
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(await nav.getByRole('link', { name: 'Profile' }).count(), 0);
    await nav.getByRole('button', { name: 'Logout' }).waitFor();
    assert.equal((await page.request.get(ward!.url + '/api/me/sessions')).status(), 403);
    // No way around it: another path shows the same screen.
    await page.goto(ward!.url + '/profile/sign-ins');
    await page.getByRole('heading', { level: 1, name: 'Two-factor authentication required' }).waitFor();

    const main = page.getByRole('main');
    const { recoveryCodes } = await enrol(main, password);
    assert.equal(recoveryCodes.length, 10);
    await main.getByRole('button', { name: 'I have saved them: continue' }).click();
    await waitForHome(page, user.displayName);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal((await page.request.get(ward!.url + '/api/me/sessions')).status(), 200);
    await finish(opened);
  });

  void test('on a 360 px phone the dialog fits without sideways scrolling; disabling takes the password and a code, in Spanish', async () => {
    const password = 'seven herons on the riverbank';
    const user = await member(offering, 'Standard', password);
    const opened = await open(browser!, ward!.url + '/', phone);
    const { page } = opened;
    await submitPassword(page, user.username, password);
    await waitForHome(page, user.displayName);
    const section = await openProfile(page);
    assert.equal(await horizontalOverflow(page), 0, 'the profile scrolls sideways');

    await section.getByRole('button', { name: 'Enable two-factor authentication' }).click();
    const dialog = page.getByRole('dialog', { name: 'Enable two-factor authentication' });
    const fits = async (where: string): Promise<void> => {
      assert.equal(await horizontalOverflow(page), 0, `${where}: the page scrolls sideways`);
      const overflow = await dialog.evaluate(
        (element: PageElement) => element.scrollWidth - element.clientWidth,
      );
      assert.equal(overflow, 0, `${where}: the dialog scrolls sideways`);
      const box = await dialog.boundingBox();
      assert.ok(
        box !== null && box.x >= 0 && box.x + box.width <= phone.width,
        `${where}: the dialog is off screen`,
      );
    };
    const { secret } = await enrol(dialog, password, async () => {
      await fits('QR step');
      const qr = await dialog.getByRole('img').boundingBox();
      assert.ok(qr !== null && qr.width >= 150, 'the QR code is too small to scan');
      if (screenshotDir !== undefined) {
        await page.screenshot({ path: path.join(screenshotDir, 'two-factor-dialog-qr-phone.png') });
      }
    });
    await fits('recovery codes');
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await dialog.waitFor({ state: 'detached' });

    await page.getByLabel('Language').selectOption('es');
    const seccion = page.getByRole('region', { name: 'Verificación en dos pasos' });
    await seccion.getByRole('button', { name: 'Deshabilitar la verificación en dos pasos' }).click();
    const dialogo = page.getByRole('dialog', { name: 'Deshabilitar la verificación en dos pasos' });
    await dialogo.getByLabel('Contraseña', { exact: true }).fill(password);
    await dialogo.getByLabel('Código de 6 dígitos', { exact: true }).fill(await wrongCode(secret));
    await dialogo.getByRole('button', { name: 'Deshabilitar', exact: true }).click();
    await alertIn(dialogo, 'Código no válido.');
    assert.equal(await horizontalOverflow(page), 0, 'the disable dialog scrolls sideways');
    await dialogo.getByLabel('Contraseña', { exact: true }).fill(password);
    await dialogo.getByLabel('Código de 6 dígitos', { exact: true }).fill(await oathtool(secret, 30));
    await dialogo.getByRole('button', { name: 'Deshabilitar', exact: true }).click();
    await dialogo.waitFor({ state: 'detached' });
    await seccion
      .getByRole('status')
      .filter({ hasText: 'La verificación en dos pasos está deshabilitada' })
      .waitFor();
    assert.match((await seccion.textContent()) ?? '', /EstadoNo habilitada/);

    // Signing in takes the password alone again.
    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.getByLabel('Idioma').selectOption('en');
    await submitPassword(page, user.username, password);
    await waitForHome(page, user.displayName);
    await finish(opened);
  });
});

void describe('two-factor codes as typed', () => {
  void test('six digits, with the spaces a user may paste along', () => {
    assert.ok(isSixDigitCode('123456'));
    assert.ok(isSixDigitCode(' 123 456 '));
    assert.equal(compactCode('123-456'), '123456');
    for (const bad of ['12345', '1234567', '12345a', '', '١٢٣٤٥٦']) assert.ok(!isSixDigitCode(bad), bad);
  });

  void test('recovery codes in any case, with or without the dash; look-alike letters are not codes', () => {
    assert.equal(normaliseRecoveryCode('abcde-fghjk'), 'ABCDE-FGHJK');
    assert.equal(normaliseRecoveryCode('ABCDE FGHJK'), 'ABCDE-FGHJK');
    assert.equal(normaliseRecoveryCode('abcdefghjk'), 'ABCDE-FGHJK');
    assert.equal(normaliseRecoveryCode('ABCDE-FGHJ'), null);
    assert.equal(normaliseRecoveryCode('ABCDE-FGHJ0'), null);
    assert.equal(normaliseRecoveryCode('ABCDE-FGHIL'), null);
  });

  void test('the key in groups of four, the download one code a line', () => {
    assert.deepEqual(groupSecret('abcd efgh ij'), ['ABCD', 'EFGH', 'IJ']);
    assert.equal(
      recoveryCodesFile({ heading: 'H', advice: 'A', codes: ['AAAAA-BBBBB', 'CCCCC-DDDDD'] }),
      'H\n\nA\n\nAAAAA-BBBBB\nCCCCC-DDDDD\n',
    );
  });
});
