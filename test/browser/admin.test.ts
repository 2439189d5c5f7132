// Administration, access hours and export as an institution administrator, a doctor, a nurse and a
// system administrator meet them: a real Ward under its strict CSP, in a real Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import type { Schema } from '../../server/src/db/schema.ts';
import {
  crossesMidnight,
  draftIsValid,
  draftOf,
  hoursOf,
  windowProblems,
} from '../../web/src/admin/access-hours.ts';
import { startWard } from '../../server/test/harness.ts';
import type { RunningWard } from '../../server/test/harness.ts';
import { bearer, signIn as apiSignIn } from '../../server/test/sign-in.ts';
import { createTestUser, ownerDb, uniqueUsername } from '../../server/test/users.ts';
import type { TestUser } from '../../server/test/users.ts';
import { launchBrowser, watchCspViolations } from './browser.ts';
import type { PageProblems } from './browser.ts';

const builtIndex = path.resolve(import.meta.dirname, '../../web/dist/index.html');
const desktop = { width: 1280, height: 800 };
const phone = { width: 360, height: 740 };

interface OpenPage {
  page: Page;
  problems: PageProblems;
}

interface Person extends TestUser {
  displayName: string;
}

async function open(browser: Browser, url: string, viewport = desktop): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  const problems = await watchCspViolations(page);
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  return { page, problems };
}

/** Closes the page's context and fails the test if the page broke the CSP or threw. */
async function finish({ page, problems }: OpenPage): Promise<void> {
  // Reports arrive asynchronously; let any pending one land before judging.
  await page.waitForTimeout(100);
  await page.context().close();
  assert.deepEqual(problems.violations, [], 'the page broke the Content Security Policy');
  assert.deepEqual(problems.pageErrors, [], 'the page threw errors');
}

/** Signs in on the sign-in page and waits for the page asked for (the home page unless another). */
async function signIn(page: Page, user: Person, landing = `Welcome, ${user.displayName}`): Promise<void> {
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.getByRole('textbox', { name: 'Username' }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: landing }).waitFor();
}

async function goTo(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** "HH:MM" in UTC (the test institutions' time zone), `minutes` from now. */
function utcTime(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60_000);
  return `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
}

void describe('the access-hours editor, without a browser', () => {
  void test('a window that ends at or before its start crosses midnight; what the server refuses is caught first', () => {
    assert.equal(crossesMidnight({ days: [5], start: '22:00', end: '06:00' }), true);
    assert.equal(crossesMidnight({ days: [5], start: '08:00', end: '18:00' }), false);
    assert.deepEqual(windowProblems({ days: [], start: '08:00', end: '08:00' }), ['noDays', 'sameTimes']);
    assert.deepEqual(windowProblems({ days: [1], start: '', end: '18:00' }), ['badTime']);
    assert.deepEqual(windowProblems({ days: [1], start: '22:00', end: '06:00' }), []);
  });

  void test('switching to "always" and back keeps the windows; "always" is saved without them', () => {
    const draft = draftOf({ mode: 'outside', windows: [{ days: [3, 1], start: '12:00', end: '13:00' }] });
    const always = { ...draft, mode: 'always' as const };
    assert.deepEqual(hoursOf(always), { mode: 'always' });
    assert.deepEqual(hoursOf({ ...always, mode: 'outside' }), {
      mode: 'outside',
      windows: [{ days: [1, 3], start: '12:00', end: '13:00' }],
    });
    assert.equal(draftIsValid({ mode: 'within', windows: [] }), false);
    assert.equal(draftIsValid({ mode: 'always', windows: [] }), true);
  });
});

void describe('administration, access hours and export', () => {
  let ward: RunningWard | undefined;
  let browser: Browser | undefined;
  let db: Kysely<Schema> | undefined;
  let admin: Person;
  let doctor: Person;
  let nurse: Person;
  let institutionId = '';
  /** The doctor's page, signed in while the administrator works, and still open when they are disabled. */
  let doctorPage: OpenPage | undefined;

  before(async () => {
    assert.ok(
      existsSync(builtIndex),
      'web/dist/index.html is missing: build the web app with `npm run build:web` before the browser tests',
    );
    ward = await startWard();
    db = ownerDb(ward.database.url);
    const person = async (
      displayName: string,
      input: Parameters<typeof createTestUser>[1],
    ): Promise<Person> => ({ ...(await createTestUser(db!, { displayName, ...input })), displayName });
    admin = await person('Ada Administrator', { institution: true, roles: ['institution_admin'] });
    institutionId = admin.institutionId!;
    doctor = await person('Daniela Doctor', { institution: institutionId, roles: ['doctor'] });
    nurse = await person('Nico Nurse', { institution: institutionId, roles: ['nurse'] });

    // Patients to export, one with a comma and quotes that CSV must quote.
    const app = ward.server.app;
    const { token } = await apiSignIn(app, doctor);
    for (const [familyName, givenNames, identifierValue] of [
      ['Quiroga', 'Ana', 'A-1'],
      ['Del Valle, "Jr"', 'Bruno', 'B-2'],
    ] as const) {
      const created = await app.inject({
        method: 'POST',
        url: `/api/institutions/${institutionId}/patients`,
        headers: bearer(token),
        payload: {
          identifierType: 'DNI',
          identifierValue,
          familyName,
          givenNames,
          birthDate: '1980-05-01',
          sex: 'female',
        },
      });
      assert.equal(created.statusCode, 201, created.body);
    }
    browser = await launchBrowser();
  });

  after(async () => {
    if (doctorPage) await doctorPage.page.context().close();
    await browser?.close();
    await db?.destroy();
    await ward?.stop();
  });

  async function membershipOf(userId: string) {
    return db!
      .selectFrom('ward.memberships')
      .select(['export_permission', 'export_permission_note', 'access_hours', 'roles'])
      .where('institution_id', '=', institutionId)
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
  }

  void test('an administrator grants export with a note, sets access hours, survives a concurrent change and invites a user with a one-time link', async () => {
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, admin);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(
      await nav.getByRole('link', { name: 'Institutions' }).count(),
      0,
      'not a system administrator',
    );
    assert.equal(await nav.getByRole('link', { name: 'Export' }).count(), 0, 'administrators do not export');
    await goTo(page, 'Administration', 'Users/Doctors');
    const sections = page.getByRole('navigation', { name: 'Administration' });
    await sections.getByRole('link', { name: 'Users/Doctors' }).waitFor();
    await sections.getByRole('link', { name: 'Institution settings' }).waitFor();

    // Search narrows the staff list.
    await page.getByRole('searchbox', { name: 'Find a person' }).fill('Daniela');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Daniela Doctor' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Nico Nurse' }).count(), 0);
    await page.getByRole('link', { name: 'Daniela Doctor' }).click();
    await page.getByRole('heading', { level: 1, name: 'Daniela Doctor' }).waitFor();

    // Another administrator (here: the API) changes the doctor after this page read them.
    const { token } = await apiSignIn(ward!.server.app, admin);
    const current = await ward!.server.app.inject({
      method: 'GET',
      url: `/api/institutions/${institutionId}/admin/users/${doctor.id}`,
      headers: bearer(token),
    });
    const changed = await ward!.server.app.inject({
      method: 'PATCH',
      url: `/api/institutions/${institutionId}/admin/users/${doctor.id}`,
      headers: bearer(token),
      payload: { version: current.json<{ version: number }>().version, roles: ['doctor', 'nurse'] },
    });
    assert.equal(changed.statusCode, 200, changed.body);

    // Granting export needs a note; without one nothing is sent.
    const exportSection = page.getByRole('region', { name: 'Export permission' });
    await exportSection.getByRole('checkbox', { name: 'Allow this person to export data' }).check();
    const note = exportSection.getByRole('textbox', { name: 'Note (required when granting)' });
    assert.equal(await note.getAttribute('placeholder'), 'e.g. anti-malware verified on 2026-11-20');
    await exportSection.getByRole('button', { name: 'Save export permission' }).click();
    await exportSection.getByText('Write a note before granting the export permission.').waitFor();
    assert.equal((await membershipOf(doctor.id)).export_permission, false);

    // The save carries the version this page read: refused, the page reloads the doctor and says so.
    await note.fill('anti-malware verified on 2026-11-20');
    await exportSection.getByRole('button', { name: 'Save export permission' }).click();
    await page.getByRole('alert').filter({ hasText: 'Someone else changed this person' }).waitFor();
    await page.getByRole('region', { name: 'Account summary' }).getByText('Doctor, Nurse').waitFor();
    assert.equal((await membershipOf(doctor.id)).export_permission, false, 'a stale save changes nothing');

    // Applied again on the fresh version, it is saved with its note.
    await exportSection.getByRole('checkbox', { name: 'Allow this person to export data' }).check();
    await exportSection
      .getByRole('textbox', { name: 'Note (required when granting)' })
      .fill('anti-malware verified on 2026-11-20');
    await exportSection.getByRole('button', { name: 'Save export permission' }).click();
    await exportSection.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await exportSection.getByText('“anti-malware verified on 2026-11-20”').waitFor();
    const granted = await membershipOf(doctor.id);
    assert.equal(granted.export_permission, true);
    assert.equal(granted.export_permission_note, 'anti-malware verified on 2026-11-20');

    // Access hours: only within a window that ends in a few minutes (crossing midnight if the clock does).
    const hours = page.getByRole('region', { name: 'Access hours' });
    await hours.getByRole('radio', { name: 'Only within these hours' }).check();
    await hours.getByText("Times are in the institution's time zone, UTC.").waitFor();
    await hours.getByText('A window may cross midnight').waitFor();
    const window1 = hours.getByRole('group', { name: 'Window 1' });
    for (const day of ['Saturday', 'Sunday']) await window1.getByRole('checkbox', { name: day }).check();
    const start = utcTime(-60);
    const end = utcTime(9);
    await window1.getByLabel('Starts at').fill(start);
    await window1.getByLabel('Ends at').fill(end);
    // A window with no day is refused on the page, next to the window.
    await hours.getByRole('button', { name: 'Add a window' }).click();
    const window2 = hours.getByRole('group', { name: 'Window 2' });
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
      await window2.getByRole('checkbox', { name: day }).uncheck();
    }
    await hours.getByRole('button', { name: 'Save access hours' }).click();
    await window2.getByText('Choose at least one day.').waitFor();
    await hours.getByRole('button', { name: 'Remove window 2' }).click();
    await hours.getByRole('button', { name: 'Save access hours' }).click();
    await hours.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual((await membershipOf(doctor.id)).access_hours, {
      mode: 'within',
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start, end }],
    });

    // The doctor's sign-in history is on the same page.
    await page.getByRole('region', { name: 'Sign-in history' }).getByText('Signed in').first().waitFor();

    // Invite a new user: the answer is a one-time link, never a password.
    await page.getByRole('link', { name: 'Back to Users/Doctors' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users/Doctors' }).waitFor();
    await page.getByRole('button', { name: 'Invite a user' }).click();
    const invite = page.getByRole('form', { name: 'Invite a user' });
    const newUsername = uniqueUsername('nina');
    await invite.getByLabel('Username').fill(newUsername);
    await invite.getByLabel('Display name').fill('Nina Nueva');
    await invite.getByLabel('Email (optional)').fill('nina@example.org');
    await invite.getByRole('checkbox', { name: 'Doctor' }).uncheck();
    await invite.getByRole('checkbox', { name: 'Nurse' }).check();
    await invite.getByLabel('Security level').selectOption('Standard');
    const answer = page.waitForResponse(
      (response) =>
        response.request().method() === 'POST' && new URL(response.url()).pathname.endsWith('/admin/users'),
    );
    await invite.getByRole('button', { name: 'Invite' }).click();
    const { setPasswordLink, ...rest } = (await (await answer).json()) as { setPasswordLink: string };
    assert.match(setPasswordLink, /\/set-password#token=/);
    assert.doesNotMatch(JSON.stringify(rest), /password/i, 'no password travels in the answer');
    await page.getByRole('heading', { name: 'Nina Nueva was added to the staff' }).waitFor();
    const link = await page.getByRole('textbox', { name: 'One-time link for Nina Nueva' }).inputValue();
    assert.match(link, /^http:\/\/[^/]+\/set-password#token=[A-Za-z0-9_-]{20,}$/);
    await page.getByText('You never choose or see the password').waitFor();
    await page.getByRole('button', { name: 'Copy link' }).waitFor();
    assert.equal(await page.locator('input[type="password"]').count(), 0, 'no password field anywhere');
    // The list now has the new user.
    await page.getByRole('link', { name: 'Nina Nueva' }).waitFor();

    // The one-time link opens the page where the person chooses their password.
    const linkPage = await page.context().newPage();
    // (The test server listens on a port chosen at start; its configured public address says port 0.)
    const { pathname, hash } = new URL(link);
    await linkPage.goto(ward!.url + pathname + hash);
    await linkPage.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    await linkPage.getByLabel('New password', { exact: true }).waitFor();
    await linkPage.close();

    await finish(opened);
  });

  void test('the doctor is warned before access hours end, and exports patients as CSV after confirming their password', async () => {
    doctorPage = await open(browser!, ward!.url + '/');
    const { page } = doctorPage;
    await signIn(page, doctor);

    // Access ends within ten minutes: every page says when.
    const warning = page.getByRole('alert').filter({ hasText: 'Your access hours end at' });
    await warning.waitFor();
    assert.match(
      (await warning.textContent()) ?? '',
      /Your access hours end at \d{1,2}:\d{2}.*; save your work\./,
    );

    await goTo(page, 'Export', 'Export');
    await page.getByRole('radio', { name: 'Patients' }).check();
    await page.getByRole('radio', { name: 'CSV (spreadsheet)' }).check();
    await page.getByRole('button', { name: 'Export', exact: true }).click();

    // Re-authentication first, in a dialog; a wrong password is refused there.
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    assert.equal(
      await dialog.getByLabel('6-digit code from your authenticator app').count(),
      0,
      'no 2FA, no code',
    );
    await dialog.getByLabel('Password').fill('not the password at all');
    await dialog.getByRole('button', { name: 'Confirm and export' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The password is not correct.' }).waitFor();

    await dialog.getByLabel('Password').fill(doctor.password);
    const download = page.waitForEvent('download');
    await dialog.getByRole('button', { name: 'Confirm and export' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), 'patients.csv');
    const csv = await readFile(await file.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'id,identifier_type,identifier_value,family_name,given_names,birth_date,sex,phone,email,address,version',
    );
    assert.equal(lines.length, 3, csv);
    assert.ok(
      lines.some((line) => line.includes(',DNI,A-1,Quiroga,Ana,1980-05-01,female,')),
      csv,
    );
    assert.ok(
      lines.some((line) => line.includes(',DNI,B-2,"Del Valle, ""Jr""",Bruno,')),
      csv,
    );
    await page.getByRole('status').filter({ hasText: 'patients.csv' }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);

    // The export is in the audit trail with how many records it held.
    const audited = await db!
      .selectFrom('ward.audit_events')
      .select(['details'])
      .where('action', '=', 'export.patients')
      .where('actor_id', '=', doctor.id)
      .execute();
    assert.equal(audited.length, 1);
    assert.equal((audited[0]!.details as { records: number }).records, 2);
  });

  void test('disabling the doctor ends the doctor’s open session at once', async () => {
    const opened = await open(browser!, ward!.url + `/admin/users/${doctor.id}`);
    const { page } = opened;
    // A bookmarked administration page asks for sign-in first and then shows itself.
    await signIn(page, admin, 'Daniela Doctor');
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Disable Daniela Doctor?' });
    await confirm.getByText('Disabling signs the user out everywhere at once').waitFor();
    await confirm.getByRole('button', { name: 'Disable', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Daniela Doctor is disabled and was signed out everywhere.' })
      .waitFor();
    assert.equal(await page.getByTestId('member-status').textContent(), 'Disabled');

    // The doctor's page, on its next action, lands on the sign-in page.
    const { page: theirs } = doctorPage!;
    await theirs.getByRole('button', { name: 'Export', exact: true }).click();
    await theirs.getByRole('form', { name: 'Sign in' }).waitFor();
    await theirs.getByText('Your session has ended. Sign in again to continue.').waitFor();
    await finish(doctorPage!);
    doctorPage = undefined;

    // Re-enabled, the account works again.
    await page.getByRole('button', { name: 'Re-enable' }).click();
    await page.getByRole('status').filter({ hasText: 'Daniela Doctor can sign in again.' }).waitFor();
    await finish(opened);
  });

  void test('a password reset link is given only after the administrator confirms their own password', async () => {
    const opened = await open(browser!, ward!.url + `/admin/users/${nurse.id}`);
    const { page } = opened;
    await signIn(page, admin, 'Nico Nurse');
    await page.getByRole('button', { name: 'Create a password reset link' }).click();
    const confirm = page.getByRole('dialog', { name: 'Confirm it is you' });
    await confirm.getByText('Whoever sets new credentials for an account can use it').waitFor();
    await confirm.getByLabel('Password').fill('not the password at all');
    await confirm.getByRole('button', { name: 'Confirm and continue' }).click();
    await confirm.getByRole('alert').filter({ hasText: 'The password is not correct.' }).waitFor();
    assert.equal(await page.getByText('Password reset link for Nico Nurse').count(), 0);

    await confirm.getByLabel('Password').fill(admin.password);
    await confirm.getByRole('button', { name: 'Confirm and continue' }).click();
    await page.getByText('Password reset link for Nico Nurse').waitFor();
    assert.equal(await page.getByRole('dialog', { name: 'Confirm it is you' }).count(), 0);
    await finish(opened);
  });

  void test('a nurse without the export permission is told so, and access hours that end close the session with a clear message', async () => {
    const opened = await open(browser!, ward!.url + '/', phone);
    const { page } = opened;
    await signIn(page, nurse);
    await goTo(page, 'Export', 'Export');
    assert.equal(
      await page.getByRole('radio', { name: 'Encounters' }).count(),
      1,
      'nurses may export encounters',
    );
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.getByLabel('Password').fill(nurse.password);
    await dialog.getByRole('button', { name: 'Confirm and export' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'You do not have the export permission in this institution.' })
      .waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'the export page fits 360 px');

    // The nurse's hours now exclude this moment: the next request ends the session, and the sign-in
    // page says why.
    await db!
      .updateTable('ward.memberships')
      .set({
        access_hours: JSON.stringify({
          mode: 'within',
          windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: utcTime(120), end: utcTime(180) }],
        }),
      })
      .where('institution_id', '=', institutionId)
      .where('user_id', '=', nurse.id)
      .execute();
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    await page.getByText('Your access hours have ended, so Ward closed your session.').waitFor();

    // Signing in again outside the hours is refused with the same reason.
    await page.getByRole('textbox', { name: 'Username' }).fill(nurse.username);
    await page.getByLabel('Password', { exact: true }).fill(nurse.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('This is outside your access hours').waitFor();
    await finish(opened);
  });

  void test('institution settings and security levels are saved, and administration pages fit 360 px', async () => {
    const opened = await open(browser!, ward!.url + '/', phone);
    const { page } = opened;
    await signIn(page, admin);
    await goTo(page, 'Administration', 'Users/Doctors');
    await page.getByRole('link', { name: 'Daniela Doctor' }).waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'the users page fits 360 px');

    await page.getByRole('link', { name: 'Daniela Doctor' }).click();
    await page.getByRole('heading', { level: 1, name: 'Daniela Doctor' }).waitFor();
    await page.getByRole('region', { name: 'Access hours' }).getByLabel('Starts at').waitFor();
    assert.equal(await horizontalOverflow(page), 0, 'a user page fits 360 px');

    await page
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Institution settings' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Institution settings' }).waitFor();
    const settings = page.getByRole('form', { name: 'Institution', exact: true });
    const zone = settings.getByLabel('Time zone');
    assert.equal(await zone.inputValue(), 'UTC');
    assert.ok((await zone.locator('option').count()) > 100, 'every IANA time zone is offered');
    await zone.selectOption('America/Montevideo');
    await settings.getByLabel('Care relationship lasts (days)').fill('45');
    await settings.getByLabel('Justified access lasts (hours)').fill('12');
    await settings.getByRole('checkbox', { name: 'Nurses may write clinical notes' }).check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const institution = await db!
      .selectFrom('ward.institutions')
      .select(['time_zone', 'care_relationship_days', 'justified_access_hours', 'nurses_write_notes'])
      .where('id', '=', institutionId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(institution, {
      time_zone: 'America/Montevideo',
      care_relationship_days: 45,
      justified_access_hours: 12,
      nurses_write_notes: true,
    });

    const standard = page.getByRole('form', { name: 'Standard', exact: true });
    await standard.getByLabel('Sign out after inactivity (minutes)').fill('20');
    await standard.getByLabel('Password expires after (days)').fill('90');
    await standard.getByRole('button', { name: 'Save Standard' }).click();
    await standard.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const level = await db!
      .selectFrom('ward.security_levels')
      .select(['idle_timeout_minutes', 'max_age_days'])
      .where('institution_id', '=', institutionId)
      .where('name', '=', 'Standard')
      .executeTakeFirstOrThrow();
    assert.deepEqual(level, { idle_timeout_minutes: 20, max_age_days: 90 });
    assert.equal(await horizontalOverflow(page), 0, 'the settings page fits 360 px');
    await finish(opened);
  });

  void test('a system administrator creates an institution and receives its first administrator’s one-time link', async () => {
    const systemAdmin: Person = {
      ...(await createTestUser(db!, { displayName: 'Sol System' })),
      displayName: 'Sol System',
    };
    await db!
      .updateTable('ward.users')
      .set({ is_system_admin: true })
      .where('id', '=', systemAdmin.id)
      .execute();

    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, systemAdmin);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(
      await nav.getByRole('link', { name: 'Administration' }).count(),
      0,
      'no institution to administer',
    );
    await goTo(page, 'Institutions', 'Institutions');
    const existing = await db!
      .selectFrom('ward.institutions')
      .select('name')
      .where('id', '=', institutionId)
      .executeTakeFirstOrThrow();
    await page.getByRole('cell', { name: existing.name, exact: true }).waitFor();

    await page.getByRole('button', { name: 'New institution' }).click();
    const form = page.getByRole('form', { name: 'New institution' });
    await form.getByLabel('Name', { exact: true }).fill('Hospital del Sur');
    await form.getByLabel('Time zone').selectOption('Europe/Madrid');
    await form.getByLabel('Username').fill(uniqueUsername('first'));
    await form.getByLabel('Display name').fill('Fabia First');
    await form.getByRole('button', { name: 'Create institution' }).click();
    await page.getByRole('heading', { name: 'Hospital del Sur was created' }).waitFor();
    const link = await page.getByRole('textbox', { name: 'One-time link for Fabia First' }).inputValue();
    assert.match(link, /\/set-password#token=[A-Za-z0-9_-]{20,}$/);
    await page.getByRole('cell', { name: 'Hospital del Sur' }).waitFor();
    await finish(opened);
  });
});
