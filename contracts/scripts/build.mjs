#!/usr/bin/env node
// Compiles contracts/solidity/*.sol with the npm solc (standard JSON) into contracts/artifacts/<Name>.json.
// STYLE: generated things are generated — ABIs and bytecode come from here, never hand-copied.
// The EVM version is pinned (docs/design.md §Chain: identical to anvil's --hardfork and the Besu
// genesis milestone) and read from src/evm-version.ts so that TypeScript and Solidity cannot
// disagree. Skips compiling when the sources, the compiler and the settings hash to the same value
// as last time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'solidity');
const outDir = join(root, 'artifacts');
const stampFile = join(outDir, '.build-hash');

const evmVersion = /EVM_VERSION\s*=\s*'([a-z]+)'/.exec(readFileSync(join(root, 'src', 'evm-version.ts'), 'utf8'))?.[1];
if (!evmVersion) fail('cannot read EVM_VERSION from contracts/src/evm-version.ts');

function listSol(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listSol(join(dir, e.name)) : e.name.endsWith('.sol') ? [join(dir, e.name)] : [],
  );
}

function fail(message) {
  console.error(`contracts build: ${message}`);
  process.exit(1);
}

const files = listSol(sourceDir).sort();
const sources = Object.fromEntries(files.map((f) => [relative(sourceDir, f).split('\\').join('/'), { content: readFileSync(f, 'utf8') }]));
const settings = {
  evmVersion,
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const ozVersion = require('@openzeppelin/contracts/package.json').version;
const hash = createHash('sha256')
  .update(JSON.stringify({ sources, settings, solc: solc.version(), oz: ozVersion }))
  .digest('hex');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) {
  console.log(`contracts build: up to date (${files.length} sources, evm ${evmVersion})`);
  process.exit(0);
}

// Imports like "@openzeppelin/contracts/..." resolve from node_modules; relative ones are already in `sources`.
function findImports(path) {
  try {
    return { contents: readFileSync(require.resolve(path), 'utf8') };
  } catch {
    return { error: `not found: ${path}` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
for (const w of (output.errors ?? []).filter((e) => e.severity !== 'error')) console.warn(w.formattedMessage);
if (errors.length > 0) fail(`compilation failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);

mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [source, contracts] of Object.entries(output.contracts)) {
  if (!(source in sources)) continue; // OpenZeppelin's own contracts are not artifacts of ours
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces
    const artifact = {
      contractName: name,
      sourceName: source,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      evmVersion,
      solcVersion: solc.version(),
    };
    const file = join(outDir, `${name}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(artifact, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    written++;
  }
}
writeFileSync(stampFile, hash);
console.log(`contracts build: compiled ${files.length} sources into ${written} artifacts (solc ${solc.version()}, evm ${evmVersion})`);
