// Polls a meter that answers only when asked (Modbus RTU, SunSpec over Modbus TCP, IEC 62056-21
// readout) and hands each good set of registers to the device core. A failed read is logged with
// its specific reason and retried with exponential back-off, so a meter that is off or a dead bus
// is asked less and less often but never given up on; the first good read returns to the normal
// poll interval. A failed read never reaches the signer: only `ok` registers are offered.
import type { Result } from '@feedin/protocol/result';
import { backoffDelayMs, type Backoff } from '@feedin/protocol/backoff';
import type { MeterRegisters, RealMeterDevice, SignedReading } from './real-meter-device.js';

export interface RegisterPollerParameters<R extends string> {
  /** how the log names this meter, e.g. "SDM630 unit 3 on /dev/ttyUSB0" */
  name: string;
  device: RealMeterDevice;
  read(): Promise<Result<MeterRegisters, R>>;
  /** wall ms between reads while they succeed */
  pollMs: number;
  /** wall ms before retrying after a failure, doubling per failure */
  backoff?: Backoff;
  log(message: string): void;
  onSigned?(reading: SignedReading, registers: MeterRegisters): void;
}

export interface RegisterPoller {
  start(): void;
  stats(): { reads: number; good: number; failures: Partial<Record<string, number>> };
  stop(): Promise<void>;
}

export function createRegisterPoller<R extends string>(p: RegisterPollerParameters<R>): RegisterPoller {
  const backoff = p.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  const failures: Partial<Record<string, number>> = {};
  let reads = 0;
  let good = 0;
  let failed = 0;
  let lastFailure = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = true;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      running = poll();
    }, ms);
  };

  const poll = async () => {
    reads++;
    let result: Result<MeterRegisters, R>;
    try {
      result = await p.read();
    } catch (error) {
      result = { ok: false, reason: 'read-error' as R, detail: (error as Error).message };
    }
    if (stopped) return;
    if (!result.ok) {
      failures[result.reason] = (failures[result.reason] ?? 0) + 1;
      const delayMs = backoffDelayMs(failed++, backoff);
      // the same failure over and over is logged with its count, not as a flood of identical lines
      const text = `${result.reason}: ${result.detail}`;
      if (text !== lastFailure || Number.isInteger(Math.log2(failed))) p.log(`${p.name}: read failed (${failed}×): ${text}; retry in ${delayMs} ms`);
      lastFailure = text;
      return schedule(delayMs);
    }
    if (failed > 0) p.log(`${p.name}: reading again after ${failed} failed read${failed === 1 ? '' : 's'}`);
    failed = 0;
    lastFailure = '';
    good++;
    const registers = result.value;
    p.device.offer(registers, (signed) => p.onSigned?.(signed, registers));
    await p.device.idle();
    schedule(p.pollMs);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      p.device.start();
      schedule(0);
    },
    stats: () => ({ reads, good, failures: { ...failures } }),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await p.device.stop();
    },
  };
}
