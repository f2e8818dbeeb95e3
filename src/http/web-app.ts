import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { problem, sendProblem } from './errors.js';

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
    if (!webBuilt) {
      return sendProblem(request, reply, problem(404, 'web_app_not_built', 'The web app is not built; run npm run build.'));
    }
    // Client-side routes of the SPA: the app itself decides what to show.
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}

/** The built web app's files; without a build, only reply.sendFile, which the not-found handler needs. */
export async function serveWebApp(app: FastifyInstance, webApp: WebApp): Promise<void> {
  if (webApp.built) {
    await app.register(fastifyStatic, {
      root: webApp.dir,
      wildcard: true,
      setHeaders: (response, filePath) => {
        // Vite names built assets by content hash, so they never change in place.
        response.header('cache-control', filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    await app.register(fastifyStatic, { root: webApp.dir.replace(/web\/dist\/?$/, ''), serve: false });
  }
}
