// The pages: static HTML shells and ES modules from dashboard/public, and the vendored files
// (uPlot, the browser bundle of @feedin/protocol) that scripts/build.mjs puts in public/vendor
// at build time (no CDN). Pages hold no data and no secrets; every figure comes from the API
// with the session cookie, so serving them needs no role.
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';

/** dashboard/public, from src/http or dist/http alike */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** path → page file; the login page sends each role to its own */
export const PAGES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/regulator': 'regulator.html',
  '/operator': 'operator.html',
  '/household': 'household.html',
  // The daily report's page (routes/reports.ts serves it at /report too).
  '/report.html': 'report.html',
};

export function pageRoutes(): Router {
  const router = Router();
  // Revalidate every time (ETag): a rebuilt dashboard is never shown with stale scripts.
  const files = { index: false, fallthrough: true, maxAge: 0, setHeaders: (res: express.Response) => res.set('Cache-Control', 'no-cache') };

  for (const [path, file] of Object.entries(PAGES)) router.get(path, (_req, res) => res.set('Cache-Control', 'no-cache').sendFile(file, { root: PUBLIC_DIR }));
  router.use('/assets', express.static(`${PUBLIC_DIR}assets`, files));
  router.use('/vendor', express.static(`${PUBLIC_DIR}vendor`, files));
  return router;
}
