// The P1 serial port: read-only (P1 is one-way, meter → reader), with the line settings of the
// meter's DSMR version — 4.x/5.x/e-MUCS/Smarty 115200 8N1, DSMR 2.2/3.0 9600 7E1 (docs/design.md
// "Transports"). A USB P1 cable that is pulled out and plugged back in is reopened with back-off
// by the shared reconnecting port; the framer resynchronises on the next '/', so a telegram cut
// by the outage is dropped.
import type { Backoff } from '@feedin/protocol/backoff';
import { openReconnectingPort } from '@feedin/serial-port/reconnecting-port';

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

export function openP1Port(p: P1PortSettings & { onData(chunk: Buffer): void; log(message: string): void; backoff?: Backoff }): P1Port {
  const port = openReconnectingPort({
    ...p,
    label: `P1 port ${p.path}`,
    log: { info: p.log, warn: p.log },
  });
  return { isOpen: () => port.isOpen(), close: () => port.close() };
}
