// The P1 serial port: read-only (P1 is one-way, meter → reader), with the line settings of the
// meter's DSMR version — 4.x/5.x/e-MUCS/Smarty 115200 8N1, DSMR 2.2/3.0 9600 7E1 (DESIGN:
// Transports/Serial). A USB P1 cable that is pulled out and plugged back in is reopened with
// backoff; the framer resynchronises on the next '/', so a telegram cut by the outage is dropped.
import { SerialPort } from 'serialport';

export interface P1PortSettings {
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits?: 1 | 2;
}

export interface P1Port {
  isOpen(): boolean;
  close(): Promise<void>;
}

export function openP1Port(p: P1PortSettings & { onData(chunk: Buffer): void; log(message: string): void; backoff?: { initialMs: number; maxMs: number } }): P1Port {
  const backoff = p.backoff ?? { initialMs: 250, maxMs: 10_000 };
  let port: SerialPort | undefined;
  let open = false;
  let closed = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let lastProblem = '';

  const problem = (text: string) => {
    if (text !== lastProblem) p.log(`P1 port ${p.path}: ${text}`);
    lastProblem = text;
  };

  const scheduleRetry = () => {
    if (closed || retry) return;
    const delayMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt++, 20));
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, delayMs);
  };

  const connect = () => {
    if (closed) return;
    const sp = new SerialPort({ path: p.path, baudRate: p.baudRate, dataBits: p.dataBits, parity: p.parity, stopBits: p.stopBits ?? 1, autoOpen: false });
    port = sp;
    sp.on('data', (chunk: Buffer) => {
      if (port === sp) p.onData(chunk);
    });
    sp.on('error', (error: Error) => problem(error.message));
    sp.on('close', () => {
      if (port !== sp) return;
      open = false;
      port = undefined;
      if (!closed) {
        problem('closed (cable unplugged?); reopening');
        scheduleRetry();
      }
    });
    sp.open((error) => {
      if (port !== sp) return;
      if (error) {
        port = undefined;
        problem(`cannot open: ${error.message}`);
        return scheduleRetry();
      }
      open = true;
      attempt = 0;
      p.log(`P1 port ${p.path} open at ${p.baudRate} ${p.dataBits}${p.parity[0]!.toUpperCase()}${p.stopBits ?? 1}${lastProblem ? ` (after: ${lastProblem})` : ''}`);
      lastProblem = '';
    });
  };

  connect();
  return {
    isOpen: () => open,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const sp = port;
      port = undefined;
      open = false;
      if (sp?.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
    },
  };
}
