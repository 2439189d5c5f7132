// Test support: a small stand-in for the built web app (`web/dist`), so tests of how Ward serves
// it do not depend on the real build's file names.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface WebDistFixture {
  readonly dist: string;
  readonly indexHtml: string;
  /** URL path of a content-hashed asset, and its content. */
  readonly asset: { readonly path: string; readonly body: string };
  /** URL path of a large file (when asked for), to keep a download in flight. */
  readonly largeFile?: { readonly path: string; readonly bytes: number };
}

export function createWebDist(dir: string, options: { largeFileBytes?: number } = {}): WebDistFixture {
  const dist = path.join(dir, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  const indexHtml =
    '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b9c.js"></script></head>' +
    '<body><div id="root" data-fixture="ward-web-fixture"></div></body></html>\n';
  writeFileSync(path.join(dist, 'index.html'), indexHtml);
  const asset = { path: '/assets/app-3f2a1b9c.js', body: "document.title = 'Ward';\n" };
  writeFileSync(path.join(dist, 'assets', 'app-3f2a1b9c.js'), asset.body);
  writeFileSync(path.join(dist, 'manifest.webmanifest'), '{"name":"Ward","start_url":"/"}\n');
  if (options.largeFileBytes === undefined) return { dist, indexHtml, asset };
  writeFileSync(path.join(dist, 'large.bin'), Buffer.alloc(options.largeFileBytes, 0x5a));
  return { dist, indexHtml, asset, largeFile: { path: '/large.bin', bytes: options.largeFileBytes } };
}
