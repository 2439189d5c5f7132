import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWard, tempDir, type RunningWard } from '../../test/harness.ts';
import { send } from '../http/test-client.ts';
import { WEB_DIST } from './routes.ts';
import { createWebDist, type WebDistFixture } from './test-web-dist.ts';

describe('the web app, served on the API’s port', () => {
  let dir: ReturnType<typeof tempDir>;
  let web: WebDistFixture;
  let ward: RunningWard;

  before(async () => {
    dir = tempDir('ward-web-');
    web = createWebDist(dir.path);
    ward = await startWard({ start: { webDist: web.dist } });
  });
  after(async () => {
    await ward.stop();
    dir.remove();
  });

  test('/ answers index.html to a visitor who has not signed in', async () => {
    const page = await send(`${ward.url}/`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.text, web.indexHtml);
    assert.equal(
      page.headers['cache-control'],
      'no-cache',
      'the page must be revalidated after a deployment',
    );

    const head = await send(`${ward.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  test('built files are served, content-hashed assets as immutable', async () => {
    const asset = await send(`${ward.url}${web.asset.path}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.text, web.asset.body);
    assert.match(String(asset.headers['content-type']), /javascript/);
    assert.match(String(asset.headers['cache-control']), /immutable/);

    const manifest = await send(`${ward.url}/manifest.webmanifest`);
    assert.equal(manifest.status, 200);
    assert.deepEqual(manifest.json, { name: 'Ward', start_url: '/' });
  });

  test('unknown paths outside the API get index.html, so client-side routes survive a reload', async () => {
    for (const pathname of ['/patients/42', '/admin/users?page=2', '/apix', '/es/sign-in']) {
      const page = await send(`${ward.url}${pathname}`);
      assert.equal(page.status, 200, pathname);
      assert.equal(page.text, web.indexHtml, pathname);
    }
  });

  test('a file the build does not have is a JSON 404, never the page, so an older tab’s missing chunk fails to load', async () => {
    for (const pathname of [
      '/assets/missing-abc123.js',
      '/assets/missing-abc123.css',
      '/assets/',
      '/assets/no-extension',
      '/%61ssets/missing-abc123.js',
      '/favicon.ico',
      '/icons/missing.png',
      '/patients/missing-abc123.js',
    ]) {
      for (const method of ['GET', 'HEAD'] as const) {
        const answer = await send(`${ward.url}${pathname}`, { method });
        assert.equal(answer.status, 404, `${method} ${pathname}`);
        assert.match(String(answer.headers['content-type']), /^application\/json/, `${method} ${pathname}`);
        assert.equal(answer.headers['cache-control'], 'no-store', `${method} ${pathname}`);
        if (method === 'HEAD') continue;
        const body = answer.json as { error: { code: string; message: string } };
        assert.deepEqual(Object.keys(body), ['error'], pathname);
        assert.equal(body.error.code, 'not_found', pathname);
        assert.match(body.error.message, /reload/, pathname);
      }
    }
  });

  test('unknown API paths get a JSON 404, never the page', async () => {
    for (const pathname of [
      '/api/no-such-thing',
      '/api/patients/42/x',
      '/api',
      '/api?x=1',
      '/%61pi/no-such-thing',
    ]) {
      const answer = await send(`${ward.url}${pathname}`);
      assert.equal(answer.status, 404, pathname);
      assert.match(String(answer.headers['content-type']), /^application\/json/, pathname);
      assert.deepEqual(Object.keys(answer.json as object), ['error'], pathname);
      assert.equal((answer.json as { error: { code: string } }).error.code, 'not_found', pathname);
    }
  });
});

test('without a webDist option Ward serves the real build from web/dist, and it fits the CSP', async (t) => {
  const indexFile = path.join(WEB_DIST, 'index.html');
  if (!existsSync(indexFile)) {
    t.skip('web/dist is not built: run `npm run build:web`');
    return;
  }
  const ward = await startWard();
  try {
    const page = await send(`${ward.url}/`);
    assert.equal(page.status, 200);
    assert.equal(page.text, readFileSync(indexFile, 'utf8'));
    // The CSP forbids inline script and style: the page must not need any.
    for (const script of page.text.match(/<script\b[^>]*>/g) ?? []) {
      assert.match(script, /\bsrc=/, `inline script in index.html: ${script}`);
    }
    assert.doesNotMatch(
      page.text,
      /<style\b|\sstyle=|\son[a-z]+=/i,
      'inline style or event handler in index.html',
    );
    for (const [, src] of page.text.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) {
      assert.equal((await send(`${ward.url}${src ?? ''}`)).status, 200, `${src ?? ''} is not served`);
    }
  } finally {
    await ward.stop();
  }
});
