import { Readable } from 'node:stream';
import type { AedesPublishPacket } from 'aedes';
import { describe, expect, it } from 'vitest';
import { indexRetainedByTopic, type RetainedPersistence } from './retained-by-topic.js';

const packet = (topic: string, payload: string) => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true, dup: false }) as unknown as AedesPublishPacket;

async function topicsOf(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const p of stream) out.push(`${(p as AedesPublishPacket).topic}=${String((p as AedesPublishPacket).payload)}`);
  return out;
}

function fakePersistence() {
  const stored: AedesPublishPacket[] = [];
  const scans: string[][] = [];
  const persistence: RetainedPersistence = {
    storeRetained: (p) => stored.push(p),
    createRetainedStreamCombi: (patterns) => (scans.push(patterns), Readable.from([])),
  };
  return { persistence, stored, scans };
}

describe('indexRetainedByTopic', () => {
  it('answers exact topics from its index, still storing through aedes', async () => {
    const { persistence, stored, scans } = fakePersistence();
    indexRetainedByTopic(persistence);
    persistence.storeRetained(packet('feedin/v1/meters/a/status', 'online'));
    persistence.storeRetained(packet('feedin/v1/meters/b/status', 'offline'));
    expect(stored).toHaveLength(2);
    expect(await topicsOf(persistence.createRetainedStreamCombi(['feedin/v1/meters/a/status', 'feedin/v1/meters/a/acks']))).toEqual(['feedin/v1/meters/a/status=online']);
    expect(scans).toEqual([]);
  });

  it('forgets a topic retained with an empty payload (MQTT-3.3.1-10)', async () => {
    const { persistence } = fakePersistence();
    indexRetainedByTopic(persistence);
    persistence.storeRetained(packet('t/x', 'online'));
    persistence.storeRetained(packet('t/x', ''));
    expect(await topicsOf(persistence.createRetainedStreamCombi(['t/x']))).toEqual([]);
  });

  it('leaves filters with wildcards to aedes', async () => {
    const { persistence, scans } = fakePersistence();
    indexRetainedByTopic(persistence);
    await topicsOf(persistence.createRetainedStreamCombi(['t/x', 'feedin/v1/meters/+/status']));
    await topicsOf(persistence.createRetainedStreamCombi(['#']));
    expect(scans).toEqual([['t/x', 'feedin/v1/meters/+/status'], ['#']]);
  });
});
