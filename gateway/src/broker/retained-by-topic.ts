// aedes' in-memory persistence answers a SUBSCRIBE's retained messages by testing every retained
// topic against the filter. The gateway keeps one retained status per meter, and every meter
// subscribes to its own acks at connect, so 10,000 meters connecting took 10,000 × 10,000 topic
// tests: about a minute (ingest bench). A filter without wildcards can only match its own topic,
// so those are answered from a Map; filters with wildcards still go to aedes' scan.
import { Readable } from 'node:stream';
import type { AedesPublishPacket } from 'aedes';

/** The part of aedes' persistence this wraps (aedes-persistence's CallBackPersistence). */
export interface RetainedPersistence {
  storeRetained(packet: AedesPublishPacket, cb?: (error?: Error | null) => void): unknown;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const hasWildcard = (pattern: string) => pattern.includes('+') || pattern.includes('#');

/** Wraps `persistence` in place (call before any client connects). */
export function indexRetainedByTopic(persistence: RetainedPersistence): void {
  const byTopic = new Map<string, AedesPublishPacket>();
  const storeRetained = persistence.storeRetained.bind(persistence);
  const scan = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.storeRetained = (packet, cb) => {
    // as aedes-persistence does: an empty payload clears the topic, else a copy is kept
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, Object.assign({}, packet));
    return storeRetained(packet, cb);
  };
  persistence.createRetainedStreamCombi = (patterns) => {
    if (patterns.some(hasWildcard)) return scan(patterns);
    return Readable.from(patterns.flatMap((topic) => byTopic.get(topic) ?? []));
  };
}
