// How much of the chain anvil forgets at kill -9 with `--state <file> --state-interval <s>`:
// blocks mined (receipt seen) before the kill that are missing after a restart from the state file.
// node contracts/scripts/measure-anvil-crash-loss.mjs [runs=8] [intervals=2,1]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAnvilBinary } from '../dist/anvil-binary.js';

const runs = Number(process.argv[2] ?? 8);
const intervals = (process.argv[3] ?? '2,1').split(',').map(Number);
const anvil = resolveAnvilBinary();

const rpc = async (url, method, params = []) => {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await r.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
};

async function start(stateFile, interval, port) {
  const child = spawn(anvil, ['--port', String(port), '--state', stateFile, '--state-interval', String(interval)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      await rpc(url, 'eth_chainId');
      return { child, url };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('anvil did not start');
}

const exited = (child) => new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));

let port = 18700 + Math.floor(Math.random() * 500);
for (const interval of intervals) {
  const lost = [];
  let unreadable = 0;
  for (let run = 0; run < runs; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'anvil-loss-'));
    const stateFile = join(dir, 'state.json');
    const { child, url } = await start(stateFile, interval, ++port);
    const [from, to] = await rpc(url, 'eth_accounts');
    const killAtMs = Date.now() + 2500 + Math.random() * 3000;
    let seen = 0;
    while (Date.now() < killAtMs) {
      const hash = await rpc(url, 'eth_sendTransaction', [{ from, to, value: '0x1' }]);
      let receipt = null;
      while (!receipt) receipt = await rpc(url, 'eth_getTransactionReceipt', [hash]);
      seen = Number(receipt.blockNumber);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited(child);
    try {
      const again = await start(stateFile, interval, ++port);
      lost.push(seen - Number(await rpc(again.url, 'eth_blockNumber')));
      again.child.kill('SIGKILL');
      await exited(again.child);
    } catch {
      unreadable += 1;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  lost.sort((a, b) => a - b);
  console.log(`--state-interval ${interval}: blocks lost at kill -9 over ${runs} runs (~40 blocks/s): ${lost.join(', ')}; max ${lost.at(-1)}; state file unreadable: ${unreadable}`);
}
