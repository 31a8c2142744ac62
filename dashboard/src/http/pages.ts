// The pages: static HTML shells and ES modules from dashboard/public, and uPlot straight from
// its npm package (no CDN, no copy to keep in sync). Pages hold no data and no secrets; every
// figure comes from the API with the session cookie, so serving them needs no role.
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** dashboard/public, from src/http or dist/http alike */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

export function pageRoutes(): Router {
  const router = Router();
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.esm.js'));
  // Revalidate every time (ETag): a rebuilt dashboard is never shown with stale scripts.
  const files = { index: false, fallthrough: true, cacheControl: true, maxAge: 0, setHeaders: (res: express.Response) => res.set('Cache-Control', 'no-cache') };

  router.get('/', (_req, res) => res.set('Cache-Control', 'no-cache').sendFile('index.html', { root: PUBLIC_DIR }));
  router.get('/regulator', (_req, res) => res.set('Cache-Control', 'no-cache').sendFile('regulator.html', { root: PUBLIC_DIR }));
  router.use('/assets', express.static(`${PUBLIC_DIR}assets`, files));
  router.get(['/vendor/uplot/uPlot.esm.js', '/vendor/uplot/uPlot.min.css'], (req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(req.path.slice('/vendor/uplot/'.length), { root: uplotDir });
  });
  return router;
}
