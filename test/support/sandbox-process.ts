// Runs the BUILT `feedin` CLI the way a user does (`node cli/dist/main.js up`) in a temporary
// data dir with free ports, and gives the tests its HTTP API. Nothing inside is mocked.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const cliPath = join(repoRoot, 'cli', 'dist', 'main.js');
export const defaultConfigPath = join(repoRoot, 'sandbox-config', 'default.sandbox.yaml');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

/** Writes a copy of the default sandbox with `edit` applied, for a faster or smaller run. */
export async function writeTestConfig(dir: string, edit: (config: Record<string, any>) => void): Promise<string> {
  const config = parse(await readFile(defaultConfigPath, 'utf8')) as Record<string, any>;
  edit(config);
  const path = join(dir, 'sandbox.yaml');
  await writeFile(path, stringify(config));
  return path;
}

export interface SandboxProcess {
  dataDir: string;
  httpUrl: string;
  mqttPort: number;
  mqttsPort: number;
  chainPort: number;
  env: NodeJS.ProcessEnv;
  output(): string;
  api<T = any>(path: string, token?: string): Promise<{ status: number; body: T }>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  start(): Promise<void>;
}

export async function startSandbox(opts: { configPath?: string; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SandboxProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'feedin-e2e-')));
  const [httpPort, mqttPort, mqttsPort, chainPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FEEDIN_DATA_DIR: dataDir,
    FEEDIN_HTTP_PORT: String(httpPort),
    FEEDIN_MQTT_PORT: String(mqttPort),
    FEEDIN_MQTTS_PORT: String(mqttsPort),
    FEEDIN_CHAIN_PORT: String(chainPort),
    ...(opts.configPath ? { FEEDIN_CONFIG: opts.configPath } : {}),
    ...opts.env,
  };
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  let log = '';

  const sandbox: SandboxProcess = {
    dataDir,
    httpUrl,
    mqttPort,
    mqttsPort,
    chainPort,
    env,
    output: () => log,
    async api(path, token) {
      const response = await fetch(httpUrl + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const text = await response.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: response.status, body };
    },
    async waitFor(what, probe, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      while (Date.now() < deadline) {
        if (child && (child.exitCode !== null || child.signalCode !== null))
          throw new Error(`feedin up exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}\n${log.slice(-4000)}`);
        try {
          const value = await probe();
          if (value) return value;
        } catch (error) {
          lastError = error;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(lastError ?? '')})\n${log.slice(-4000)}`);
    },
    async start() {
      child = spawn(process.execPath, [cliPath, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => (log += d));
      child.stderr!.on('data', (d) => (log += d));
      await sandbox.waitFor('the HTTP API', async () => (await sandbox.api('/api/health')).status === 200, 60_000);
      // runtime.json is written last, once every part (fleet included) has started and `up`
      // handles SIGTERM: only then is the sandbox fully up for the CLI commands the tests run.
      await sandbox.waitFor('runtime.json of this start', async () => {
        const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { pid: number };
        return runtime.pid === child?.pid;
      }, 60_000);
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      // A child already ended (by exit or by a signal) emits no further 'exit': do not wait for one.
      if (!running || running.exitCode !== null || running.signalCode !== null) return running?.exitCode ?? null;
      const exited = new Promise<number | null>((ok) => running.once('exit', (code) => ok(code)));
      running.kill(signal);
      const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  await sandbox.start();
  return sandbox;
}

/** Runs the built CLI once and returns its exit code and output. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => ok({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
