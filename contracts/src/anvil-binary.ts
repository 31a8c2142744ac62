// Where the anvil executable is: the platform package that @foundry-rs/anvil installs
// (@foundry-rs/anvil-<platform>-<arch>), else an `anvil` on PATH (e.g. a foundryup install).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

const ARCH: Partial<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

export function resolveAnvilBinary(): string {
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${ARCH[process.arch] ?? process.arch}`;
  try {
    // Resolve from the wrapper package, which declares the platform packages as optional deps.
    const wrapper = createRequire(import.meta.url).resolve('@foundry-rs/anvil/package.json');
    const manifest = createRequire(wrapper).resolve(`${platformPackage}/package.json`);
    const binary = join(dirname(manifest), 'bin', exe);
    if (existsSync(binary)) return binary;
  } catch {
    // not installed for this platform: try PATH below
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, exe))) return join(dir, exe);
  }
  throw new Error(
    `anvil: no binary found (looked for npm package ${platformPackage} via @foundry-rs/anvil, then '${exe}' on PATH); ` +
      `run 'npm install' at the repository root or install Foundry (https://getfoundry.sh)`,
  );
}
