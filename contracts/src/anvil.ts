// The embedded chain: anvil as a child process, pinned to the project's hardfork, on a free port
// unless one is given. Ready means the RPC answers eth_chainId, not merely that the process started.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EVM_VERSION } from './evm-version.js';
import { resolveAnvilBinary } from './anvil-binary.js';

export interface StartAnvilParameters {
  /** block gas limit (anvil's default is 30 000 000): larger for measuring big batch registrations */
  gasLimit?: number;
  /** 0 (default) = anvil binds a free port and we read it from its output */
  port?: number;
  host?: string;
  /** anvil --state: loaded at start when present, dumped on exit and every `stateIntervalSeconds` */
  stateFile?: string;
  /** --state-interval: a kill -9 loses up to about this much of the chain; default 1, the least anvil
   * takes (whole seconds; 0 panics). Measured: contracts/scripts/measure-anvil-crash-loss.mjs. The
   * embedded sandbox journals what it sends to recover the rest (transaction-journal.ts). */
  stateIntervalSeconds?: number;
  /** interval mining; default: a block per transaction (automine) */
  blockTimeSeconds?: number;
  chainId?: number;
  /** base fee 0 and no minimum priority fee, like a Besu QBFT free-gas network */
  baseFeeZero?: boolean;
  /** anvil's output, line by line (it logs every RPC method) */
  log?: (line: string) => void;
  /** bound on start-up; default 20 000 */
  startTimeoutMs?: number;
}

export interface StartAnvilReturnType {
  rpcUrl: string;
  port: number;
  pid: number;
  /** SIGTERM (anvil dumps its state), SIGKILL after a bound; resolves once the process is gone */
  stop(): Promise<void>;
}

const LISTENING = /Listening on ([^\s]+):(\d+)/;

export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  const host = parameters.host ?? '127.0.0.1';
  const port = parameters.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`startAnvil: port must be 0..65535, got ${port}`);
  const args = ['--host', host, '--port', String(port), '--hardfork', EVM_VERSION];
  if (parameters.chainId !== undefined) args.push('--chain-id', String(parameters.chainId));
  if (parameters.blockTimeSeconds !== undefined) args.push('--block-time', String(parameters.blockTimeSeconds));
  if (parameters.gasLimit !== undefined) args.push('--gas-limit', String(parameters.gasLimit));
  if (parameters.baseFeeZero) args.push('--base-fee', '0', '--gas-price', '0', '--disable-min-priority-fee');
  if (parameters.stateFile !== undefined) {
    args.push('--state', parameters.stateFile, '--state-interval', String(parameters.stateIntervalSeconds ?? 1));
  }

  const child = spawn(resolveAnvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let onListening: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (onListening = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const m = LISTENING.exec(line);
      if (m) onListening(Number(m[2]));
      parameters.log?.(line);
    });
  }
  // A parent that exits must not leave anvil behind (SIGTERM still lets it dump its state).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const timeoutMs = parameters.startTimeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      listening,
      exited.then((code) => {
        throw new Error(`anvil exited with code ${code} before listening:\n${recent.join('\n')}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`anvil did not listen within ${timeoutMs} ms:\n${recent.join('\n')}`)), timeoutMs);
      }),
    ]);
    const rpcUrl = `http://${host.includes(':') ? `[${host}]` : host}:${outcome}`;
    await waitForRpc(rpcUrl, timeoutMs);
    return { rpcUrl, port: outcome, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(2_000),
      });
      if (response.ok) return;
      last = new Error(`HTTP ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`anvil at ${rpcUrl} did not answer eth_chainId within ${timeoutMs} ms: ${String(last)}`);
}
