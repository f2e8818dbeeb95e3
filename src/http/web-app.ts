import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { problem, sendProblem } from './errors.js';

/** Vite names what it writes under assets/ by content hash, so a file there never changes in place. */
export const HASHED_ASSETS_DIR = 'assets';
export const CACHE_CONTROL_HASHED = 'public, max-age=31536000, immutable';
/** index.html and the SPA fallback: always revalidated, so a release reaches the next load. */
export const CACHE_CONTROL_REVALIDATE = 'no-cache';

function isApiPath(url: string): boolean {
  return url.startsWith('/api/') || url === '/api' || url.startsWith('/health') || url.startsWith('/metrics');
}

/** Where the built web app is, and whether it was there when the app was built. */
export interface WebApp {
  dir: string;
  built: boolean;
}

export function findWebApp(dir: string): WebApp {
  return { dir, built: existsSync(`${dir}/index.html`) };
}

/**
 * A request no route matched: problem+json 404 under the API, or for anything but a read;
 * otherwise one of the web app's client-side routes, answered with its index.html.
 */
export function setWebAppNotFoundHandler(app: FastifyInstance, webApp: WebApp): void {
  const webBuilt = webApp.built;
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(path) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return sendProblem(request, reply, problem(404, 'not_found', `No route for ${request.method} ${path}.`));
    }
    // A missing script or style is a 404, not index.html: a page still running the previous
    // release asks for chunks that are gone, and HTML in their place fails as a MIME error.
    if (path.startsWith(`/${HASHED_ASSETS_DIR}/`)) {
      return sendProblem(request, reply, problem(404, 'not_found', `No file ${path}.`));
    }
    if (!webBuilt) {
      return sendProblem(request, reply, problem(404, 'web_app_not_built', 'The web app is not built; run npm run build.'));
    }
    // Client-side routes of the SPA: the app itself decides what to show.
    return reply.header('cache-control', CACHE_CONTROL_REVALIDATE).sendFile('index.html');
  });
}

/**
 * The built web app's files; without a build, only reply.sendFile, which the not-found handler needs.
 * The build writes a brotli and a gzip copy beside each text file (src/http/precompress.ts);
 * `preCompressed` sends the one Accept-Encoding prefers (q-values, `*`, `br;q=0`), else the file
 * itself, with Vary: Accept-Encoding either way, and Content-Length, ETag and ranges of the copy sent.
 */
export async function serveWebApp(app: FastifyInstance, webApp: WebApp): Promise<void> {
  if (webApp.built) {
    await app.register(fastifyStatic, {
      root: webApp.dir,
      wildcard: true,
      preCompressed: true,
      setHeaders: (response, filePath) => {
        const hashed = relative(webApp.dir, filePath).startsWith(`${HASHED_ASSETS_DIR}${sep}`);
        response.header('cache-control', hashed ? CACHE_CONTROL_HASHED : CACHE_CONTROL_REVALIDATE);
      },
    });
  } else {
    await app.register(fastifyStatic, { root: webApp.dir.replace(/web\/dist\/?$/, ''), serve: false });
  }
}
