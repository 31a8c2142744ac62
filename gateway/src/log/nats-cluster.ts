// Starts a JetStream cluster of Debian's nats-server (2.9) processes on loopback, each with its
// own store under `dir`: the replicated log of docs/durability.md for the sandbox (`feedin up
// --durability jetstream`) and for the fault tests. Each node is a separate OS process so a test
// can kill -9 or SIGSTOP exactly one of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

export const NATS_SERVER_BIN = '/usr/sbin/nats-server';

export interface NatsNode {
  name: string;
  clientPort: number;
  clusterPort: number;
  url: string;
  storeDir: string;
  process: ChildProcess | null;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** every node's client URL: the client fails over between them */
  servers: string[];
  /** starts a node again (after kill) with the same ports and store */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface StartNatsClusterParameters {
  dir: string;
  /** 3 for R3 streams */
  size?: number;
  /** fixed client ports (feedin up); free ports when omitted (tests) */
  clientPorts?: number[];
  clusterPorts?: number[];
  bin?: string;
  log?: (line: string) => void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Ready = the cluster elected its JetStream meta leader and answers account info. */
async function waitForJetStream(servers: string[]): Promise<void> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await jetstreamManager(nc, { timeout: 2_000 });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`nats cluster: JetStream not ready after 60 s (${(error as Error).message})`, { cause: error });
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await nc.close();
  }
}

export async function startNatsCluster(p: StartNatsClusterParameters): Promise<NatsCluster> {
  const size = p.size ?? 3;
  const bin = p.bin ?? NATS_SERVER_BIN;
  const nodes: NatsNode[] = [];
  for (let i = 0; i < size; i++) {
    const clientPort = p.clientPorts?.[i] ?? (await freePort());
    const clusterPort = p.clusterPorts?.[i] ?? (await freePort());
    const name = `n${i + 1}`;
    nodes.push({ name, clientPort, clusterPort, url: `nats://127.0.0.1:${clientPort}`, storeDir: join(p.dir, name), process: null });
  }
  for (const node of nodes) {
    mkdirSync(node.storeDir, { recursive: true, mode: 0o700 });
    const routes = nodes.filter((n) => n !== node).map((n) => `nats-route://127.0.0.1:${n.clusterPort}`);
    // Loopback only: the sandbox's log is not reachable from other machines.
    writeFileSync(
      join(node.storeDir, 'nats.conf'),
      [
        `server_name: ${node.name}`,
        `listen: 127.0.0.1:${node.clientPort}`,
        `jetstream { store_dir: "${join(node.storeDir, 'js')}", max_memory_store: 64MB, max_file_store: 4GB }`,
        `cluster { name: feedin, listen: 127.0.0.1:${node.clusterPort}, routes: [${routes.join(', ')}] }`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }

  const start = (node: NatsNode) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(bin, ['-c', join(node.storeDir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      node.process = child;
      let ready = false;
      let buffered = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        if (ready) return;
        buffered += chunk;
        if (buffered.includes('Server is ready')) {
          ready = true;
          buffered = '';
          resolve();
        }
      });
      child.once('error', (error) => reject(new Error(`nats-server ${node.name}: ${error.message} (is Debian's nats-server installed at ${bin}? apt-get install nats-server)`)));
      child.once('exit', (code, signal) => {
        if (node.process === child) node.process = null;
        if (!ready) reject(new Error(`nats-server ${node.name} exited (${signal ?? code}) before it was ready:\n${buffered.slice(-2000)}`));
      });
    });

  try {
    await Promise.all(nodes.map(start));
  } catch (error) {
    for (const node of nodes) node.process?.kill('SIGKILL');
    throw error;
  }
  await waitForJetStream(nodes.map((n) => n.url));
  p.log?.(`log: JetStream cluster of ${size} nats-server nodes on ${nodes.map((n) => n.url).join(', ')}`);

  const stopNode = (node: NatsNode) =>
    new Promise<void>((resolve) => {
      const child = node.process;
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGCONT'); // a stopped (SIGSTOP) node cannot act on SIGTERM
      child.kill('SIGTERM');
    });

  return {
    nodes,
    servers: nodes.map((n) => n.url),
    async restart(name) {
      const node = nodes.find((n) => n.name === name);
      if (!node) throw new Error(`no nats node ${name}`);
      await stopNode(node);
      await start(node);
    },
    async stop() {
      await Promise.all(nodes.map(stopNode));
    },
  };
}
