// Builds what the pages load from /vendor (no CDN, docs/design.md §HTTP and roles: the machine may
// be offline): uPlot copied from its npm package, the pure protocol module bundled for the browser
// so that the in-browser audit runs the same checks as `feedin audit verify`, and @feedin/locale
// (i18next, messages, formatters) so that pages and CLI speak and format alike. Run by the root
// build: `npm run build --workspace @feedin/dashboard`.
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dashboardDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const vendorDir = join(dashboardDir, 'public', 'vendor');
const require = createRequire(import.meta.url);

export async function buildDashboardAssets({ log = console.log } = {}) {
  await mkdir(vendorDir, { recursive: true });
  const uplotDist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) await copyFile(join(uplotDist, file), join(vendorDir, file));
  // The version goes in the pages' footer of the docs; keep it next to the copy for provenance.
  const { version } = JSON.parse(await readFile(join(uplotDist, '..', 'package.json'), 'utf8'));

  const bundle = (entry, out) =>
    build({
      entryPoints: [join(dashboardDir, 'scripts', entry)],
      outfile: join(vendorDir, out),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      // BigInt literals and ** on bigints need ES2020.
      target: 'es2022',
      minify: true,
      sourcemap: false,
      legalComments: 'inline',
      logLevel: 'warning',
    });
  // The pure protocol checks for the in-browser audit; i18next, the message files and the
  // formatters of @feedin/locale for every page (the CLI runs the same modules).
  await Promise.all([bundle('browser-protocol.ts', 'feedin-protocol.js'), bundle('browser-locale.ts', 'feedin-locale.js')]);
  const kB = async (file) => ((await stat(join(vendorDir, file))).size / 1024).toFixed(1);
  log(`dashboard: vendored uPlot ${version}, feedin-protocol.js (${await kB('feedin-protocol.js')} kB) and feedin-locale.js (${await kB('feedin-locale.js')} kB) into ${vendorDir}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildDashboardAssets();
