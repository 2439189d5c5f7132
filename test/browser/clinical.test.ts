// Patients, the clinical record, justified access and the audit viewer, as an administrative clerk, a
// doctor and an auditor meet them: a real Ward under its strict CSP, in a real Chromium. Patient data is
// hostile on purpose; it must come back as text, never as markup or script.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Schema } from '../../server/src/db/schema.ts';
import { startWard } from '../../server/test/harness.ts';
import type { RunningWard } from '../../server/test/harness.ts';
import { bearer, signIn as apiSignIn } from '../../server/test/sign-in.ts';
import { addMembership } from '../../server/src/identity/store.ts';
import { createTestUser, ownerDb } from '../../server/test/users.ts';
import type { TestUser } from '../../server/test/users.ts';
import { launchBrowser, watchCspViolations } from './browser.ts';
import type { PageProblems } from './browser.ts';

const builtIndex = path.resolve(import.meta.dirname, '../../web/dist/index.html');
const desktop = { width: 1280, height: 800 };
const phone = { width: 360, height: 740 };

// What an attacker would type into a patient's record, hoping someone's browser runs it.
const SCRIPT = '<script>alert(1)</script>';
const IMAGE = '<img src=x onerror=alert(1)>';
const SQL = "'; DROP TABLE patients;--";
const SVG = '"><svg onload=alert(2)>';
const NOTE_IMAGE = '<img src=x onerror=alert(3)>';
const REASON = '<b onmouseover=alert(4)>chest pain</b>';
const ALLERGEN = '<script>alert(5)</script> penicillin';

interface OpenPage {
  page: Page;
  problems: PageProblems;
  /** alert(), confirm() and prompt() dialogs the page opened: any one means script ran. */
  dialogs: string[];
  /** Every API path the page requested, in order. */
  requests: string[];
}

interface Person extends TestUser {
  displayName: string;
}

async function open(browser: Browser, url: string, viewport = desktop): Promise<OpenPage> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  const page = await context.newPage();
  const problems = await watchCspViolations(page);
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) requests.push(`${request.method()} ${pathname}`);
  });
  const response = await page.goto(url);
  assert.equal(response?.status(), 200);
  return { page, problems, dialogs, requests };
}

/** Closes the page's context and fails the test if the page broke the CSP, threw, or ran a payload. */
async function finish({ page, problems, dialogs }: OpenPage): Promise<void> {
  // Reports arrive asynchronously; let any pending one land before judging.
  await page.waitForTimeout(100);
  await page.context().close();
  assert.deepEqual(dialogs, [], 'a payload ran: the page opened a dialog');
  assert.deepEqual(problems.violations, [], 'the page broke the Content Security Policy');
  assert.deepEqual(problems.pageErrors, [], 'the page threw errors');
}

async function signIn(page: Page, user: Person): Promise<void> {
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.getByRole('textbox', { name: 'Username' }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Welcome, ${user.displayName}` }).waitFor();
}

async function goTo(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Your account' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Elements or attributes that only exist if hostile text was parsed as HTML. */
async function injectedMarkup(page: Page): Promise<number> {
  return page.evaluate<number>(
    `document.querySelectorAll('img[src="x"], svg, b, [onerror], [onload], [onmouseover], script:not([src])').length`,
  );
}

/** Saves a full-page picture for a person to look at, when WARD_SCREENSHOTS names a folder. */
async function screenshot(page: Page, name: string): Promise<void> {
  const folder = process.env.WARD_SCREENSHOTS;
  if (folder) await page.screenshot({ path: path.join(folder, `clinical-${name}.png`), fullPage: true });
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** Waits until `check` holds; the page's CSP forbids the string evaluation waitForFunction relies on. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function texts(locator: Locator): Promise<string[]> {
  return (await locator.allTextContents()).map((text) => text.trim());
}

void describe('patients, clinical records and the audit viewer', () => {
  let ward: RunningWard | undefined;
  let browser: Browser | undefined;
  let db: Kysely<Schema> | undefined;
  let clerk: Person;
  let doctor: Person;
  let auditor: Person;
  let institutionId = '';
  let patientId = '';

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
    ): Promise<Person> => ({
      ...(await createTestUser(db!, { displayName, ...input })),
      displayName,
    });
    doctor = await person('Daniela Doctor', { institution: true, roles: ['doctor'] });
    institutionId = doctor.institutionId!;
    clerk = await person('Carlos Clerk', { institution: institutionId, roles: ['administrative'] });
    auditor = await person('Alba Auditor', { institution: institutionId, roles: ['auditor'] });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await db?.destroy();
    await ward?.stop();
  });

  /** Calls the API as `user` with a bearer token, as another client of the same Ward would. */
  async function apiAs(user: Person, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
    const { token } = await apiSignIn(ward!.server.app, { username: user.username, password: user.password });
    const response = await ward!.server.app.inject({
      method,
      url: `/api/institutions/${institutionId}${url}`,
      headers: bearer(token),
      ...(payload === undefined ? {} : { payload }),
    });
    return response;
  }

  void test('administrative staff create, find and open a patient, and never receive the clinical record', async () => {
    // Enough namesakes for a second page of results.
    const { token } = await apiSignIn(ward!.server.app, {
      username: clerk.username,
      password: clerk.password,
    });
    for (let n = 1; n <= 26; n++) {
      const created = await ward!.server.app.inject({
        method: 'POST',
        url: `/api/institutions/${institutionId}/patients`,
        headers: bearer(token),
        payload: {
          identifierType: 'DNI',
          identifierValue: `S-${n}`,
          familyName: 'Serrano',
          givenNames: `Paciente ${String(n).padStart(2, '0')}`,
          birthDate: '1990-01-01',
          sex: 'unknown',
        },
      });
      assert.equal(created.statusCode, 201, created.body);
    }

    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, clerk);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(await nav.getByRole('link', { name: 'Audit' }).count(), 0, 'no audit link for a clerk');
    await goTo(page, 'Patients', 'Patients');

    await page.getByRole('button', { name: 'New patient' }).click();
    const form = page.getByRole('form', { name: 'New patient' });
    await form.getByLabel('Identifier type').fill('DNI');
    await form.getByLabel('Identifier', { exact: true }).fill(SQL);
    await form.getByLabel('Given names').fill(IMAGE);
    await form.getByLabel('Birth date').fill('1980-02-29');
    await form.getByLabel('Sex').selectOption('female');
    await form.getByLabel('Address').fill(SVG);
    // Blanks only pass the browser's "required" but not the server, which says which field is wrong.
    await form.getByLabel('Family name').fill('   ');
    await form.getByRole('button', { name: 'Create patient' }).click();
    await form.getByRole('alert').filter({ hasText: 'Check “Family name”.' }).waitFor();
    assert.equal(await form.getByLabel('Family name').getAttribute('aria-invalid'), 'true');
    assert.match((await form.locator('.field__problem').textContent()) ?? '', /familyName/);
    await form.getByLabel('Family name').fill(SCRIPT);
    await form.getByRole('button', { name: 'Create patient' }).click();

    await page.waitForURL(/\/patients\/[0-9a-f-]{36}$/);
    patientId = new URL(page.url()).pathname.split('/').pop()!;
    const banner = page.getByTestId('patient-banner');
    assert.equal(
      (await banner.locator('.patient-banner__name').textContent())?.trim(),
      `${SCRIPT}, ${IMAGE}`,
    );
    assert.match(
      (await banner.textContent()) ?? '',
      new RegExp(`DNI ${SQL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    await page.getByText(SVG, { exact: true }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Clinical record' }).count(), 0);

    // The same identifier again is refused with the server's reason, next to the field.
    await page.getByRole('link', { name: 'Back to the patient search' }).click();
    await page.getByRole('button', { name: 'New patient' }).click();
    await form.getByLabel('Identifier type').fill('DNI');
    await form.getByLabel('Identifier', { exact: true }).fill(SQL);
    await form.getByLabel('Family name').fill('Other');
    await form.getByLabel('Given names').fill('Person');
    await form.getByLabel('Birth date').fill('1970-01-01');
    await form.getByRole('button', { name: 'Create patient' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: 'Another patient of this institution already has this identifier.' })
      .waitFor();
    assert.equal(await form.getByLabel('Identifier', { exact: true }).getAttribute('aria-invalid'), 'true');
    await form.getByRole('button', { name: 'Cancel' }).click();

    // Search by the beginning of the name; the hostile name is a link like any other.
    const search = page.getByRole('search', { name: 'Find a patient' });
    await search.getByRole('searchbox', { name: 'Name' }).fill('<script>al');
    await search.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('table.patient-results tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.deepEqual(await texts(rows.first().locator('td')), [
      `${SCRIPT}, ${IMAGE}`,
      `DNI ${SQL}`,
      'Feb 29, 1980',
      'Female',
    ]);

    // Twenty-six namesakes: a first page of 25, then the rest on demand.
    await search.getByRole('searchbox', { name: 'Name' }).fill('serrano');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Serrano, Paciente 25' }).waitFor();
    assert.equal(await rows.count(), 25);
    await page.getByRole('button', { name: 'More results' }).click();
    await page.getByRole('link', { name: 'Serrano, Paciente 26' }).waitFor();
    assert.equal(await rows.count(), 26);
    assert.equal(await page.getByRole('button', { name: 'More results' }).count(), 0);

    // Similar names find a misspelling; by identifier finds the exact one.
    await search.getByRole('searchbox', { name: 'Name' }).fill('Serano Paciente 07');
    await search.getByLabel('Similar names (also finds misspellings)').check();
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'Serrano, Paciente 07' }).waitFor();
    await search.getByRole('radio', { name: 'Identifier' }).check();
    await search.getByRole('searchbox', { name: 'Identifier' }).fill(SQL);
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `${SCRIPT}, ${IMAGE}` }).waitFor();
    assert.equal(await rows.count(), 1);

    await page.getByRole('link', { name: `${SCRIPT}, ${IMAGE}` }).click();
    await page.getByRole('heading', { level: 2, name: 'Demographics' }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Clinical record' }).count(), 0);
    assert.equal(await page.getByRole('dialog').count(), 0);
    assert.equal(await injectedMarkup(page), 0);

    const clinical = opened.requests.filter((r) => /\/(record|encounters|access|allergies)(\/|$)/.test(r));
    assert.deepEqual(clinical, [], 'a clerk’s browser must not even ask for clinical data');
    assert.ok(opened.requests.includes(`GET /api/institutions/${institutionId}/patients/${patientId}`));
    await finish(opened);
  });

  void test('a doctor justifies access, writes the record, and a stale edit of the demographics is caught', async () => {
    assert.ok(patientId, 'the previous test created the patient');
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, doctor);
    await goTo(page, 'Patients', 'Patients');
    const search = page.getByRole('search', { name: 'Find a patient' });
    await search.getByRole('searchbox', { name: 'Name' }).fill('<SCRIPT>');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `${SCRIPT}, ${IMAGE}` }).click();

    // No care relationship: the record stays closed until a reason is given.
    const dialog = page.getByRole('dialog', { name: 'Justify your access' });
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /no care relationship with this patient/);
    assert.deepEqual(
      opened.requests.filter((r) => r.endsWith('/record')),
      [],
      'the record is not requested before the justification',
    );
    await screenshot(page, 'access-dialog');
    await dialog.getByRole('button', { name: 'Access' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Choose the reason for your access.' }).waitFor();
    await dialog.getByRole('radio', { name: 'Emergency' }).check();
    await dialog.getByLabel('Details (optional)').fill('Unconscious on arrival');
    await dialog.getByRole('button', { name: 'Access' }).click();
    await dialog.waitFor({ state: 'detached' });
    const justified = page.getByRole('status').filter({ hasText: 'Access justified until' });
    await justified.waitFor();
    assert.ok(await justified.locator('time').getAttribute('datetime'));
    await page.getByRole('heading', { level: 2, name: 'Clinical record' }).waitFor();
    await page.getByText('No encounters yet.').waitFor();

    // A new encounter.
    await page.getByRole('button', { name: 'New encounter' }).click();
    const encounterForm = page.getByRole('form', { name: 'New encounter' });
    await encounterForm.getByLabel('Type').selectOption('emergency');
    await encounterForm.getByLabel('Reason').fill(REASON);
    await encounterForm.getByRole('button', { name: 'Add encounter' }).click();
    const encounter = page
      .getByRole('article')
      .filter({ has: page.getByRole('heading', { name: /^Emergency · / }) });
    await encounter.waitFor();
    assert.match((await encounter.textContent()) ?? '', /By Daniela Doctor/);
    await encounter.getByText(REASON, { exact: true }).waitFor();

    // A note, signed at once.
    await encounter.getByRole('button', { name: 'New note' }).click();
    let noteForm = encounter.getByRole('form', { name: 'New note' });
    await noteForm.getByLabel('Subjective').fill(NOTE_IMAGE);
    await noteForm.getByLabel('Objective').fill('BP 90/60');
    await noteForm.getByLabel('Assessment').fill('Suspected anaphylaxis');
    await noteForm.getByLabel('Plan').fill("'; DROP TABLE clinical_notes;--");
    await noteForm.getByRole('button', { name: 'Save and sign' }).click();
    const notes = encounter.locator('article.note');
    await notes.first().waitFor();
    const first = notes.first();
    assert.equal(await first.getAttribute('data-status'), 'signed');
    assert.equal((await first.locator('.badge').textContent())?.trim(), 'Signed');
    assert.deepEqual(await texts(first.locator('.soap dd')), [
      NOTE_IMAGE,
      'BP 90/60',
      'Suspected anaphylaxis',
      "'; DROP TABLE clinical_notes;--",
    ]);
    assert.equal(
      await first.getByRole('button', { name: 'Edit draft' }).count(),
      0,
      'signed notes are final',
    );

    // Amending it: a new signed note that points at the original, and the original at it.
    await first.getByRole('button', { name: 'Amend' }).click();
    const amendForm = first.getByRole('form', { name: /^Amendment to the note of / });
    assert.equal(await amendForm.getByLabel('Objective').inputValue(), 'BP 90/60');
    await amendForm.getByLabel('Assessment').fill('Anaphylaxis to penicillin, confirmed');
    await amendForm.getByRole('button', { name: 'Save and sign' }).click();
    await notes.nth(1).waitFor();
    const amendment = notes.nth(1);
    assert.match((await amendment.textContent()) ?? '', /Anaphylaxis to penicillin, confirmed/);
    await first.getByRole('button', { name: /^Amended by Daniela Doctor on / }).waitFor();
    await amendment.getByRole('button', { name: /^Amends the note of / }).click();
    assert.equal(
      await page.evaluate<string | undefined>('document.activeElement?.id'),
      await first.getAttribute('id'),
      'following the link moves to the original note',
    );

    // A draft, then signed by its author.
    await encounter.getByRole('button', { name: 'New note' }).click();
    noteForm = encounter.getByRole('form', { name: 'New note' });
    await noteForm.getByLabel('Plan').fill('Observe for 6 hours');
    await noteForm.getByRole('button', { name: 'Save draft' }).click();
    await notes.nth(2).waitFor();
    const draft = notes.nth(2);
    assert.equal(await draft.getAttribute('data-status'), 'draft');
    await draft.getByRole('button', { name: 'Edit draft' }).click();
    await draft
      .getByRole('form', { name: 'Edit draft note' })
      .getByLabel('Plan')
      .fill('Observe for 12 hours');
    await draft.getByRole('button', { name: 'Save draft' }).click();
    await draft.getByText('Observe for 12 hours', { exact: true }).waitFor();
    await draft.getByRole('button', { name: 'Sign', exact: true }).click();
    await eventually(
      async () => (await encounter.locator('article.note[data-status="signed"]').count()) === 3,
      'the draft is signed',
    );

    // A diagnosis and an allergy.
    await encounter.getByRole('button', { name: 'Add diagnosis' }).click();
    const diagnosisForm = encounter.getByRole('form', { name: 'Add diagnosis' });
    await diagnosisForm.getByLabel('Code').fill('T88.6');
    await diagnosisForm.getByLabel('Description').fill('Anaphylactic reaction');
    await diagnosisForm.getByRole('button', { name: 'Add diagnosis' }).click();
    await encounter.getByText('Anaphylactic reaction').waitFor();

    await page.getByRole('button', { name: 'Add allergy' }).click();
    const allergyForm = page.getByRole('form', { name: 'Add allergy' });
    await allergyForm.getByLabel('Substance').fill(ALLERGEN);
    await allergyForm.getByLabel('Reaction').fill(IMAGE);
    await allergyForm.getByLabel('Severity').selectOption('severe');
    await allergyForm.getByRole('button', { name: 'Add allergy' }).click();
    const allergy = page.locator('li.allergy');
    await allergy.waitFor();
    assert.deepEqual(await texts(allergy.locator('> *')), [ALLERGEN, 'Severe', IMAGE]);

    // Every payload is on the page as text, none as markup.
    for (const payload of [SCRIPT, IMAGE, SQL, SVG, NOTE_IMAGE, REASON, ALLERGEN]) {
      assert.ok((await page.getByText(payload).count()) > 0, `${payload} is shown as text`);
    }
    assert.equal(await injectedMarkup(page), 0);

    // Someone else changes the patient while the doctor edits: the save is refused, nothing is lost.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Phone').fill('555-0101');
    await page.getByLabel('Given names').fill(`${IMAGE} Ana`);
    const current = await apiAs(clerk, 'GET', `/patients/${patientId}`);
    const before = current.json<Record<string, unknown>>();
    const changed = await apiAs(clerk, 'PUT', `/patients/${patientId}`, {
      identifierType: before.identifierType,
      identifierValue: before.identifierValue,
      familyName: before.familyName,
      givenNames: before.givenNames,
      birthDate: before.birthDate,
      sex: before.sex,
      phone: '555-9999',
      address: before.address,
      version: before.version,
    });
    assert.equal(changed.statusCode, 200, changed.body);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed this patient' });
    await conflict.waitFor();
    assert.equal(await page.getByLabel('Phone').inputValue(), '555-0101');
    assert.equal(await page.getByLabel('Given names').inputValue(), `${IMAGE} Ana`);
    await conflict.getByRole('button', { name: 'Reload the current version' }).click();
    await page.getByText('Now on record: 555-9999').waitFor();
    assert.equal(
      await page.getByLabel('Phone').inputValue(),
      '555-0101',
      'the typed value survives the reload',
    );
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').filter({ hasText: 'The changes were saved.' }).waitFor();
    const saved = (await apiAs(clerk, 'GET', `/patients/${patientId}`)).json<{
      phone: string;
      givenNames: string;
    }>();
    assert.deepEqual([saved.phone, saved.givenNames], ['555-0101', `${IMAGE} Ana`]);

    // A phone: the whole patient page fits 360 px.
    await page.setViewportSize(phone);
    await page.waitForTimeout(100);
    assert.equal(await horizontalOverflow(page), 0, 'no horizontal scrolling at 360 px');
    await screenshot(page, 'patient-360');
    await page.setViewportSize(desktop);
    await screenshot(page, 'patient-desktop');
    await finish(opened);
  });

  void test('an auditor filters the trail and reviews the justified access', async () => {
    assert.ok(patientId, 'the first test created the patient');
    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, auditor);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    assert.equal(
      await nav.getByRole('link', { name: 'Patients' }).count(),
      0,
      'auditors do not search patients',
    );
    await goTo(page, 'Audit', 'Audit');

    const rows = page.locator('table.audit-events tbody tr');
    await rows.first().waitFor();
    // The action of every listed event, newest first.
    const listed = (): Promise<string[]> =>
      page.evaluate<string[]>(
        `[...document.querySelectorAll('table.audit-events tbody tr')].map((tr) => tr.dataset.action)`,
      );
    const actions = await listed();
    for (const action of [
      'access.justified',
      'note.create',
      'note.amend',
      'allergy.create',
      'patient.update',
    ]) {
      assert.ok(actions.includes(action), `${action} is listed`);
    }

    const filters = page.getByRole('form', { name: 'Filter the events' });
    await filters.getByLabel('Action').selectOption('access.justified');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(
      async () => (await listed()).join() === 'access.justified',
      'only the justified access is listed',
    );
    assert.equal(await rows.count(), 1);
    const cells = await texts(rows.first().locator('td'));
    assert.equal(cells[1], doctor.username);
    assert.equal(cells[2], 'Justified access');
    assert.equal(cells[3], 'Success');
    assert.equal(cells[4], patientId);
    assert.equal(cells[5], '127.0.0.1');
    assert.match(cells[6] ?? '', /^Chrome \d+ on Linux$/);
    assert.equal(cells[7], 'Emergency');
    await screenshot(page, 'audit');

    // The staff's sign-ins are in the trail too, marked as events of their accounts.
    await filters.getByLabel('Action').selectOption('auth.sign_in');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(async () => {
      const actions = await listed();
      return actions.length > 0 && actions.every((action) => action === 'auth.sign_in');
    }, 'only sign-ins are listed');
    const signedIn = new Set(await texts(rows.locator('td:nth-child(2)')));
    for (const who of [doctor, clerk, auditor]) {
      assert.ok(signedIn.has(who.username), `${who.username}'s sign-in is listed`);
    }
    const actionCells = rows.locator('td:nth-child(3)');
    assert.deepEqual([...new Set(await texts(actionCells.locator('span:first-child')))], ['Sign-in']);
    assert.equal(
      await actionCells.getByText('Account', { exact: true }).count(),
      await rows.count(),
      'every sign-in is marked as an account event',
    );
    await screenshot(page, 'audit-sign-ins');

    // Pick the clerk among the users seen: only their patient creations remain.
    await filters.getByLabel('Action').selectOption('patient.create');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(
      async () => new Set(await listed()).has('patient.create'),
      'patient creations are listed',
    );
    await filters.getByLabel('User', { exact: true }).selectOption({ label: clerk.username });
    assert.equal(await filters.getByLabel('User id').inputValue(), clerk.id);
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(async () => (await rows.count()) === 27, 'the clerk’s 27 patient creations are listed');
    assert.deepEqual([...new Set(await texts(rows.locator('td:nth-child(2)')))], [clerk.username]);

    // A malformed id is caught before asking the server.
    await filters.getByLabel('Patient id').fill('not-an-id');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await filters.getByRole('alert').filter({ hasText: 'Enter a whole id' }).waitFor();
    assert.equal(await filters.getByLabel('Patient id').getAttribute('aria-invalid'), 'true');

    await page.getByRole('tab', { name: 'Justified accesses to review' }).click();
    const review = page.locator('table.justifications tbody tr');
    await review.first().waitFor();
    assert.equal(await review.count(), 1);
    const reviewCells = await texts(review.first().locator('td'));
    assert.deepEqual(reviewCells.slice(1, 5), [
      doctor.username,
      patientId,
      'Emergency',
      'Unconscious on arrival',
    ]);
    await screenshot(page, 'review');
    await review
      .first()
      .getByRole('button', { name: /^Mark reviewed/ })
      .click();
    await page.getByRole('status').filter({ hasText: 'Marked as reviewed.' }).waitFor();
    await page.getByText('No justified accesses are waiting for review.').waitFor();
    const left = await apiAs(auditor, 'GET', '/access-justifications?unreviewed=true');
    assert.deepEqual(left.json<{ items: unknown[] }>().items, []);

    // The events tab kept its filters meanwhile.
    await page.getByRole('tab', { name: 'Events' }).click();
    assert.equal(await filters.getByLabel('Action').inputValue(), 'patient.create');

    await page.setViewportSize(phone);
    await page.waitForTimeout(100);
    assert.equal(await horizontalOverflow(page), 0, 'the audit viewer fits 360 px');
    await screenshot(page, 'audit-360');
    await finish(opened);
  });
  void test('a member of two institutions picks one in the header, sees only its patients, and the choice is kept', async () => {
    assert.ok(patientId, 'the first test created the patient');
    const clinic = await createTestUser(db!, {
      displayName: 'Mara Multi',
      institution: true,
      roles: ['administrative'],
    });
    await addMembership(db!, { institutionId, userId: clinic.id, roles: ['auditor'], levelName: 'Standard' });
    const user: Person = { ...clinic, displayName: 'Mara Multi' };
    const names = await db!
      .selectFrom('ward.institutions')
      .select(['id', 'name'])
      .where('id', 'in', [institutionId, clinic.institutionId!])
      .execute();
    const nameOf = (id: string): string => names.find((row) => row.id === id)!.name;

    const opened = await open(browser!, ward!.url + '/');
    const { page } = opened;
    await signIn(page, user);
    const nav = page.getByRole('navigation', { name: 'Your account' });
    const selector = nav.getByLabel('Institution you are working in');
    await selector.selectOption(institutionId);
    // Auditor here: the audit link, no patients.
    await nav.getByRole('link', { name: 'Audit' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Patients' }).count(), 0);

    await selector.selectOption(clinic.institutionId!);
    await goTo(page, 'Patients', 'Patients');
    assert.equal(await nav.getByRole('link', { name: 'Audit' }).count(), 0);
    await page.getByRole('main').getByText(nameOf(clinic.institutionId!), { exact: true }).waitFor();
    const search = page.getByRole('search', { name: 'Find a patient' });
    await search.getByRole('searchbox', { name: 'Name' }).fill('<script>');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No patient matches this search.').waitFor();

    // Opening the other institution's patient by address finds nothing here.
    await page.goto(`${ward!.url}/patients/${patientId}`);
    await page.getByRole('alert').filter({ hasText: 'was not found in this institution' }).waitFor();
    assert.equal(await selector.inputValue(), clinic.institutionId, 'the choice survives a reload');
    await finish(opened);
  });
});
