// Real pseudo-terminal pairs for the serial tests: `socat` links two ptys, so whatever one side
// writes the other reads, byte for byte, like the two ends of a null-modem cable. Each end gets
// a stable symlink path, so a pair can be killed (the device "unplugged") and started again on
// the same paths (plugged back in).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const START_TIMEOUT_MS = 10_000;

export function socatInstalled(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Whether serial tests should run: always in CI (CI=true), where a missing socat must fail the
 * tests rather than skip them; elsewhere only when socat is installed. */
export function serialTestsEnabled(): boolean {
  return process.env['CI'] === 'true' || socatInstalled();
}

export interface PtyPair {
  /** the gateway's end (symlink to a /dev/pts/N) */
  a: string;
  /** the device's end */
  b: string;
  /** kills socat: both ptys vanish, as when a USB adapter is unplugged */
  unplug(): Promise<void>;
  /** a new socat on the same link paths */
  plug(): Promise<void>;
  /** kills socat and removes the temporary directory */
  close(): Promise<void>;
}

function startSocat(a: string, b: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`socat did not link ${a} and ${b} within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? new Error('socat is not installed (Debian: apt-get install socat); the serial tests need it') : error),
    );
    child.once('exit', (code, signal) => fail(new Error(`socat exited (${code ?? signal}) before linking the ptys: ${stderr}`)));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr += text;
      // socat logs this once both ptys exist and their links are in place.
      if (stderr.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        resolve(child);
      }
    });
  });
}

async function stopSocat(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGTERM lets socat remove its links; the ptys close at once either way.
  child.kill('SIGTERM');
  await exited;
}

export async function startPtyPair(): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'feedin-pty-'));
  const a = join(dir, 'gateway');
  const b = join(dir, 'device');
  let child: ChildProcess | undefined = await startSocat(a, b);
  return {
    a,
    b,
    async unplug() {
      await stopSocat(child);
      child = undefined;
    },
    async plug() {
      if (child) throw new Error('the pty pair is plugged in already');
      child = await startSocat(a, b);
    },
    async close() {
      await stopSocat(child);
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
