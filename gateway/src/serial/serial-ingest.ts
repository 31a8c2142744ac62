// Serial ingestion: OCMF lines from meters on an RS-485/USB line end in the same ingest step as
// MQTT, and each line is answered only after ingest has recorded it durably (docs/design.md
// §Serial: `ACK <meterId> <PG>` / `NAK <meterId> <PG> <reason>`). Several meters share one line;
// ingest keeps each meter's frames in order and answers carry the meter id, so answers of different
// meters may interleave. See docs/serial.md.
import type { Ingest, IngestOutcome } from '../ingest/ingest.js';
import { createLineFramer } from '@feedin/protocol/line-framer';
import { openReconnectingPort, type SerialLineSettings } from '@feedin/serial-port/reconnecting-port';
import { serialAnswer } from './serial-answer.js';
import type { Backoff } from '@feedin/protocol/backoff';

/** Lines being ingested at once per port before the port stops reading (backpressure). */
export const MAX_LINES_IN_FLIGHT = 64;

const OCMF_MARK = Buffer.from('OCMF|');

export interface StartSerialIngestParameters extends SerialLineSettings {
  ingest: Ingest;
  /** the largest line accepted (ingest.maxFrameBytes, i.e. mqtt.maxPayloadBytes); longer lines are NAKed 'oversize' */
  maxLineBytes: number;
  log: Pick<Console, 'info' | 'warn' | 'error'>;
  backoff?: Backoff;
  maxLinesInFlight?: number;
  /** every outcome, after its answer was written (or withheld) */
  onOutcome?(outcome: IngestOutcome): void;
}

export interface SerialIngestStatus {
  path: string;
  open: boolean;
  reopens: number;
  lastProblem: string | null;
  /** lines handed to ingest */
  lines: number;
  acked: number;
  naked: number;
  /** lines over maxLineBytes (also counted in naked) */
  oversize: number;
  /** noise bytes dropped in front of an `OCMF|` on the same line */
  garbageBytes: number;
  /** outcomes not answered: the port was closed by then, or the store was unavailable */
  unanswered: number;
  inFlight: number;
}

export interface SerialIngest {
  status(): SerialIngestStatus;
  /** stops reading and reopening; waits for lines being ingested, whose answers are then dropped */
  close(): Promise<void>;
}

export async function startSerialIngest(p: StartSerialIngestParameters): Promise<SerialIngest> {
  const maxInFlight = p.maxLinesInFlight ?? MAX_LINES_IN_FLIGHT;
  const framer = createLineFramer(p.maxLineBytes);
  const counts = { lines: 0, acked: 0, naked: 0, oversize: 0, garbageBytes: 0, unanswered: 0 };
  const inFlight = new Set<Promise<void>>();
  let paused = false;

  const answer = (outcome: IngestOutcome) => {
    const line = serialAnswer(outcome);
    if (line === null) {
      counts.unanswered++;
      p.log.warn(`serial ${p.path}: ${outcome.meterId ?? 'a meter'}'s line not recorded (${outcome.detail ?? outcome.reason}); no answer, the device resends`);
    } else if (port.write(line)) {
      if (line.startsWith('ACK')) counts.acked++;
      else counts.naked++;
    } else counts.unanswered++;
    p.onOutcome?.(outcome);
  };

  const handle = (frame: Uint8Array) => {
    counts.lines++;
    const task = p.ingest
      .ingest(frame, { kind: 'serial' })
      .then(answer, (error: unknown) => {
        // ingest never throws; if it ever does, no answer: the device resends.
        counts.unanswered++;
        p.log.error(`serial ${p.path}: ingest failed`, error);
      })
      .finally(() => {
        inFlight.delete(task);
        if (paused && inFlight.size < maxInFlight) {
          paused = false;
          port.resume();
        }
      });
    inFlight.add(task);
    if (!paused && inFlight.size >= maxInFlight) {
      paused = true;
      port.pause();
    }
  };

  const onData = (chunk: Buffer) => {
    for (const line of framer.push(chunk)) {
      if (line.kind === 'oversize') {
        counts.oversize++;
        // Its first bytes go to ingest, which records an 'oversize' rejection as evidence.
        handle(line.prefix);
        continue;
      }
      let bytes = Buffer.from(line.bytes.buffer, line.bytes.byteOffset, line.bytes.length);
      // Blank lines (keep-alives, `\n\n`) carry nothing to answer.
      if (bytes.toString('latin1').trim() === '') continue;
      // Line noise (a half-sent line after a reset, bus turnaround glitches) often ends up in
      // front of the next record on the same line: resynchronise on the OCMF header.
      const mark = bytes.indexOf(OCMF_MARK);
      if (mark > 0) {
        counts.garbageBytes += mark;
        bytes = bytes.subarray(mark);
      }
      handle(bytes);
    }
  };

  const port = openReconnectingPort({
    ...p,
    onData,
    // A partial line from before the break will never be completed.
    onClose: () => framer.reset(),
    log: p.log,
  });
  await port.started;

  return {
    status: () => ({ ...port.status(), ...counts, inFlight: inFlight.size }),
    async close() {
      await port.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}
