// The replicated log of one shard on NATS JetStream (docs/durability.md): a file stream with 3
// replicas, one subject per shard. The only file that speaks to JetStream for records; NATS
// errors become this module's errors here. Appends are fenced: each one names the stream
// sequence it expects to follow, so a writer that is not the last one to have appended (a
// deposed active) is refused by the stream itself, whatever its lease says.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';

export interface ShardLogParameters {
  servers: string[];
  shard: string;
  /** 3 in production and in the sandbox cluster; 1 for a one-node test */
  replicas?: number;
  /** how long an append may wait for the stream's acknowledgement */
  appendTimeoutMs?: number;
  name?: string;
}

/** Another writer appended after the sequence this one expected: it is not (or no longer) the active. */
export class LogFencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogFencedError';
  }
}

export interface LogReplication {
  stream: string;
  replicas: number;
  leader: string | null;
  /** peers (other than the leader) whose copy is current */
  currentPeers: number;
  /** the largest lag of a peer behind the leader, in operations (0 when all are current) */
  maxPeerLag: number;
  lastSeq: number;
}

export interface ShardLog {
  readonly stream: string;
  readonly connection: NatsConnection;
  /** appends and resolves with the record's stream sequence once the replicas acknowledged it */
  append(record: Uint8Array, expectedLastSeq: number): Promise<number>;
  lastSeq(): Promise<number>;
  /** calls onRecord for every record after `afterSeq` up to the stream's last one, in order */
  readFrom(afterSeq: number, onRecord: (seq: number, data: Uint8Array) => void | Promise<void>): Promise<number>;
  replication(): Promise<LogReplication>;
  close(): Promise<void>;
}

export function streamName(shard: string): string {
  return `FEEDIN_SHARD_${shard.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function recordSubject(shard: string): string {
  return `feedin.log.${shard.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export async function connectLog(servers: string[], name: string): Promise<NatsConnection> {
  // Never give up reconnecting: the cluster coming back must bring the gateway back.
  return connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 5_000, pingInterval: 2_000, maxPingOut: 2 });
}

export async function openShardLog(p: ShardLogParameters): Promise<ShardLog> {
  const replicas = p.replicas ?? 3;
  const stream = streamName(p.shard);
  const subject = recordSubject(p.shard);
  const appendTimeoutMs = p.appendTimeoutMs ?? 5_000;
  const nc = await connectLog(p.servers, p.name ?? `feedin-gateway-${p.shard}`);
  try {
    const jsm = await readyManager(nc);
    await ensureStream(jsm, stream, subject, replicas);
    const js = jetstream(nc, { timeout: appendTimeoutMs });
    return shardLog(nc, js, jsm, stream, subject, appendTimeoutMs);
  } catch (error) {
    await nc.close();
    throw error;
  }
}

/** A cluster just started answers JetStream requests only once it elected its meta leader. */
async function readyManager(nc: NatsConnection): Promise<JetStreamManager> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await jetstreamManager(nc, { timeout: 5_000 });
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`log: JetStream does not answer on ${nc.getServer()} (${(error as Error).message}); is the cluster up with jetstream enabled?`, { cause: error });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function ensureStream(jsm: JetStreamManager, stream: string, subject: string, replicas: number): Promise<void> {
  // The cluster may still be electing its meta leader right after start: retry for a while.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const info = await jsm.streams.info(stream).catch(() => null);
      if (info) {
        if (info.config.num_replicas !== replicas) throw new Error(`log: stream ${stream} has ${info.config.num_replicas} replicas, the config asks for ${replicas}`);
        return;
      }
      await jsm.streams.add({
        name: stream,
        subjects: [subject],
        num_replicas: replicas,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        // The log is the record of what was acknowledged: it is never trimmed by age or size here.
        max_age: 0,
        max_msgs: -1,
        max_bytes: -1,
        // each record is at most this big (a group of frames); the server's default payload limit
        max_msg_size: 1024 * 1024,
        duplicate_window: 120_000_000_000,
      });
      return;
    } catch (error) {
      if (Date.now() > deadline || (error instanceof Error && error.message.startsWith('log:'))) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function shardLog(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, stream: string, subject: string, appendTimeoutMs: number): ShardLog {
  return {
    stream,
    connection: nc,
    async append(record, expectedLastSeq) {
      try {
        const ack = await js.publish(subject, record, { expect: { streamName: stream, lastSequence: expectedLastSeq }, timeout: appendTimeoutMs });
        return ack.seq;
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === 10071)
          throw new LogFencedError(`log ${stream}: another writer appended after sequence ${expectedLastSeq} (${error.message}); this gateway is not the shard's active one`);
        throw new Error(`log ${stream}: append not acknowledged (${error instanceof Error ? error.message : String(error)})`, { cause: error });
      }
    },
    async lastSeq() {
      return (await jsm.streams.info(stream)).state.last_seq;
    },
    async readFrom(afterSeq, onRecord) {
      const last = (await jsm.streams.info(stream)).state.last_seq;
      if (last <= afterSeq) return afterSeq;
      const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 });
      const messages = await consumer.consume({ max_messages: 256 });
      let seq = afterSeq;
      try {
        for await (const m of messages) {
          await onRecord(m.seq, m.data);
          seq = m.seq;
          if (seq >= last) break;
        }
      } finally {
        await messages.close().catch(() => {});
        await consumer.delete().catch(() => {});
      }
      return seq;
    },
    async replication() {
      const info = await jsm.streams.info(stream);
      const peers = info.cluster?.replicas ?? [];
      return {
        stream,
        replicas: info.config.num_replicas,
        leader: info.cluster?.leader ?? null,
        currentPeers: peers.filter((r) => r.current && !r.offline).length,
        maxPeerLag: peers.reduce((max, r) => Math.max(max, r.lag ?? 0), 0),
        lastSeq: info.state.last_seq,
      };
    },
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}
