import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { ApiError } from '../http/errors.ts';
import type { WardApp } from '../http/types.ts';

export const WEB_DIST = path.resolve(import.meta.dirname, '../../../web/dist');

/**
 * Whether a path (decoded, without its leading slash) asks for a file of the build rather than a
 * page of the app: anything under `assets/`, or a last segment with an extension. The app's own
 * routes (`/patients/<id>`, `/admin/users`) never have one.
 */
function asksForFile(pathname: string): boolean {
  if (pathname === 'assets' || pathname.startsWith('assets/')) return true;
  return path.posix.extname(pathname) !== '';
}

/**
 * Serves the built web app on the same port as the API. Unknown paths outside `/api` get the
 * app's index.html so client-side routes survive a reload; a file the build does not have is a 404,
 * so a tab still running an older build sees its chunk fail to load and offers a reload.
 */
export async function registerWebApp(app: WardApp, dist: string = WEB_DIST): Promise<boolean> {
  if (!existsSync(path.join(dist, 'index.html'))) {
    app.log.warn(`web app not built (${dist} is missing): run \`npm run build:web\``);
    return false;
  }
  await app.register(async (web) => {
    // A browser loads the app before anyone signs in, and the files hold no data: every route of
    // this plugin, including the ones @fastify/static creates, is public.
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    await web.register(fastifyStatic, {
      root: dist,
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      // Vite names assets by content hash, so they never change; the page itself must be revalidated.
      setHeaders: (reply, filePath) => {
        void reply.header(
          'cache-control',
          filePath.includes(`${path.sep}assets${path.sep}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    });
    web.get('/*', { schema: { hide: true } }, async (request, reply) => {
      // The router decodes the path (`/%61pi/x` is `/api/x`), so decide on the decoded form.
      const wildcard = (request.params as { '*'?: string })['*'] ?? '';
      if (wildcard === 'api' || wildcard.startsWith('api/')) {
        throw new ApiError('not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`);
      }
      // index.html in a file's place would be run as a script or read as a style sheet; a failed
      // request is what the app notices (and the 404 keeps the default no-store).
      if (asksForFile(wildcard)) {
        throw new ApiError(
          'not_found',
          `No file ${request.url.split('?')[0] ?? ''} in the web app as deployed; reload the page to get the current version.`,
        );
      }
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  });
  return true;
}
