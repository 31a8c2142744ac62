// A serial port that stays open: when the device behind it disappears (USB adapter unplugged,
// socat gone) the port closes, and it is reopened with back-off (protocol's backoff.ts) until the
// path is back. Only transport here: bytes in, bytes out; framing and meaning live elsewhere. The
// one implementation for the gateway's serial lines, the simulator's serial link and the P1 reader.
import { backoffDelayMs, DEFAULT_BACKOFF, type Backoff } from '@feedin/protocol/backoff';
import { SerialPort } from 'serialport';

export interface SerialLineSettings {
  /** e.g. /dev/ttyUSB0 */
  path: string;
  /** default 115200 (docs/design.md §Serial: 8N1 at 115200 unless configured) */
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 1.5 | 2;
}

export interface ReconnectingPortParameters extends SerialLineSettings {
  onData(chunk: Buffer): void;
  /** the port opened (again); `reopened` is false the first time */
  onOpen?(reopened: boolean): void;
  onClose?(reason: string): void;
  log: Pick<Console, 'info' | 'warn'>;
  /** how the port is named in log lines; default `serial <path>` */
  label?: string;
  backoff?: Backoff;
}

export interface ReconnectingPortStatus {
  path: string;
  open: boolean;
  /** successful opens after the first one */
  reopens: number;
  /** why the port is closed or last failed, null while all is well */
  lastProblem: string | null;
}

export interface ReconnectingPort {
  /** resolves after the first open attempt, whether or not it succeeded (it keeps retrying) */
  started: Promise<void>;
  isOpen(): boolean;
  /** false when the port is closed: the bytes are not sent */
  write(data: string): boolean;
  pause(): void;
  resume(): void;
  status(): ReconnectingPortStatus;
  close(): Promise<void>;
}

export function openReconnectingPort(p: ReconnectingPortParameters): ReconnectingPort {
  const backoff = p.backoff ?? DEFAULT_BACKOFF;
  const label = p.label ?? `serial ${p.path}`;
  let port: SerialPort | undefined;
  let open = false;
  let closed = false;
  let paused = false;
  let attempt = 0;
  let opens = 0;
  let lastProblem: string | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let firstAttempt: () => void = () => {};
  const started = new Promise<void>((resolve) => (firstAttempt = resolve));

  const problem = (text: string) => {
    // One log line per kind of trouble, not one per retry of a long outage.
    if (text !== lastProblem) p.log.warn(`${label}: ${text}`);
    lastProblem = text;
  };

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    const delayMs = backoffDelayMs(attempt++, backoff);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delayMs);
  };

  const connect = () => {
    if (closed) return;
    const sp = new SerialPort({
      path: p.path,
      baudRate: p.baudRate ?? 115200,
      dataBits: p.dataBits ?? 8,
      parity: p.parity ?? 'none',
      stopBits: p.stopBits ?? 1,
      autoOpen: false,
    });
    port = sp;
    sp.on('data', (chunk: Buffer) => {
      if (port === sp) p.onData(chunk);
    });
    sp.on('error', (error: Error) => {
      if (port === sp) problem(error.message);
    });
    sp.on('close', (error?: Error & { disconnected?: boolean }) => {
      if (port !== sp) return;
      port = undefined;
      open = false;
      if (closed) return;
      problem(error?.disconnected ? 'disconnected (device gone); reopening' : `closed${error ? `: ${error.message}` : ''}; reopening`);
      p.onClose?.(lastProblem ?? 'closed');
      scheduleRetry();
    });
    sp.open((error) => {
      firstAttempt();
      if (port !== sp) return;
      if (error) {
        port = undefined;
        problem(`cannot open: ${error.message}`);
        return scheduleRetry();
      }
      if (closed) return void sp.close();
      open = true;
      attempt = 0;
      opens++;
      const settings = `${p.baudRate ?? 115200} ${p.dataBits ?? 8}${(p.parity ?? 'none')[0]!.toUpperCase()}${p.stopBits ?? 1}`;
      if (lastProblem) p.log.info(`${label}: open at ${settings} again (after: ${lastProblem})`);
      else p.log.info(`${label}: open at ${settings}`);
      lastProblem = null;
      if (paused) sp.pause();
      p.onOpen?.(opens > 1);
    });
  };

  connect();
  return {
    started,
    isOpen: () => open,
    write(data) {
      if (!port || !open) return false;
      port.write(data);
      return true;
    },
    pause() {
      paused = true;
      port?.pause();
    },
    resume() {
      paused = false;
      port?.resume();
    },
    status: () => ({ path: p.path, open, reopens: Math.max(0, opens - 1), lastProblem }),
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const sp = port;
      open = false;
      if (!sp?.isOpen) return;
      await new Promise<void>((resolve) => sp.close(() => resolve()));
      port = undefined;
    },
  };
}
