// A small MQTT broker for the device tests: aedes over TCP with hooks in the spirit of the
// gateway's (JWT login, own-topics-only, verify the OCMF, answer on the acks topic). It records
// every reading as it arrives, resends included, so tests can check for loss and duplicates.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import { verifyMeterJwt } from '@feedin/protocol/jwt';
import { parseOcmf } from '@feedin/protocol/ocmf-parse';
import { readingFromRecord } from '@feedin/protocol/ocmf-reading';
import { verifyOcmf } from '@feedin/protocol/ocmf-verify';
import { meterTopic } from '@feedin/protocol/mqtt-topics';

export interface TestBroker {
  port: number;
  /** every reading in arrival order */
  readings: Array<{ meterId: string; pagination: number; ocmf: string; valid: boolean }>;
  /** client id and user name of every accepted CONNECT */
  logins: Array<{ clientId: string; username: string | undefined }>;
  refused: string[];
  /** retained status per meter */
  status: Map<string, string>;
  close(): Promise<void>;
}

export async function startTestBroker(opts: {
  port?: number;
  keys: Map<string, Uint8Array>;
  /** answer `rejected` with this reason for a (meterId, PG) instead of verifying */
  rejectReason?: (meterId: string, pagination: number) => string | undefined;
}): Promise<TestBroker> {
  const readings: TestBroker['readings'] = [];
  const logins: TestBroker['logins'] = [];
  const refused: string[] = [];
  const status = new Map<string, string>();
  const own = (clientId: string, topic: string) => topic.split('/')[3] === clientId;
  const notAuthorized = (why: string): AuthenticateError => Object.assign(new Error(why), { returnCode: 5 as const });

  const broker: Aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const key = opts.keys.get(client.id);
      const verdict =
        username !== client.id || !key
          ? 'unknown meter'
          : (() => {
              const r = verifyMeterJwt(password?.toString() ?? '', { curve: 'secp256k1', point: key }, { nowSec: Math.floor(Date.now() / 1000), expectedSub: client.id, maxLifetimeSec: 3600 });
              return r.ok ? 'ok' : r.reason;
            })();
      if (verdict !== 'ok') {
        refused.push(`${client.id}: ${verdict}`);
        return done(notAuthorized(verdict), false);
      }
      logins.push({ clientId: client.id, username });
      done(null, true);
    },
    authorizeSubscribe(client, sub, done) {
      done(sub.topic === meterTopic(client.id, 'acks') ? null : new Error('not your topic'), sub);
    },
    authorizePublish(client, packet, done) {
      if (!client || !own(client.id, packet.topic)) return done(new Error('not your topic'));
      if (packet.topic.endsWith('/status')) return done(null);
      const ocmf = packet.payload.toString();
      const record = parseOcmf(ocmf);
      const reading = record.ok ? readingFromRecord(record.value) : undefined;
      const valid = !!(record.ok && reading?.ok && reading.value.meterId === client.id && verifyOcmf(record.value, { curve: 'secp256k1', point: opts.keys.get(client.id)! }).ok);
      const pagination = reading?.ok ? reading.value.pagination : 0;
      readings.push({ meterId: client.id, pagination, ocmf, valid });
      const reason = opts.rejectReason?.(client.id, pagination) ?? (valid ? undefined : 'bad-signature');
      done(null);
      const ack = JSON.stringify(reason ? { pg: `F${pagination}`, status: 'rejected', reason } : { pg: `F${pagination}`, status: 'accepted' });
      broker.publish({ cmd: 'publish', topic: meterTopic(client.id, 'acks'), payload: Buffer.from(ack), qos: 1, retain: false, dup: false }, () => undefined);
    },
  });
  // every status publish, the last will included (it has no authorizePublish from a live client)
  broker.on('publish', (packet) => {
    const m = /^feedin\/v1\/meters\/([^/]+)\/status$/.exec(packet.topic);
    if (m) status.set(m[1]!, packet.payload.toString());
  });

  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    readings,
    logins,
    refused,
    status,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits for `condition` to hold, checking every few milliseconds, for at most `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
