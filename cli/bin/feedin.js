#!/usr/bin/env node
// The `feedin` bin, committed rather than built: npm links a workspace's bins when it installs,
// before anything is built, and skips a bin whose file does not exist yet (cli/dist/main.js on a
// fresh clone). The root's `prepare` builds right after `npm install`; without a build this says
// what to run instead of failing with a missing-module stack trace.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error("feedin: the CLI is not built yet (cli/dist/main.js is missing): run 'npm run build' at the repository root");
  process.exit(2);
}
await import(main.href);
