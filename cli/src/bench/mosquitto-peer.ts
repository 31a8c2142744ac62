// The same-machine peer of the ingest bench (issue 16): Debian's `mosquitto`, a C broker, in
// place of the gateway's aedes, so the bench can say what the MQTT layer costs here against what
// it costs in C on the same cores in the same run. Started on a free loopback port with a config
// of its own (no persistence, anonymous, nothing queued or dropped); stopped by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const MOSQUITTO_CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'];
export const MOSQUITTO_INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install mosquitto) or pass its path with --mosquitto <path>';

/** The mosquitto binary: `explicit` if given (it must exist), else Debian's. */
export function findMosquitto(explicit?: string): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  return MOSQUITTO_CANDIDATES.find((p) => existsSync(p));
}

export interface MosquittoPeer {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('bench: no free port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Starts mosquitto with a config under `dir`; resolves once it accepts TCP connections. */
export async function startMosquitto(bin: string, dir: string): Promise<MosquittoPeer> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // 0 = no maximum: the responder's one connection carries every reading; nothing may be
      // dropped or held back, or the "every ack delivered" row would fail for the broker's limits
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'set_tcp_nodelay true',
      // as root, mosquitto would switch to a 'mosquitto' user that may not exist
      `user ${userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  for (let waited = 0; ; waited += 50) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bench: mosquitto exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`);
    if (await accepts(port)) break;
    if (waited > 10_000) {
      await stop();
      throw new Error(`bench: mosquitto did not listen on ${port} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { pid: child.pid!, port, stop };
}
