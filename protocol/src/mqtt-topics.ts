// The MQTT topic tree (docs/design.md §Transports):
// feedin/v1/meters/{meterId}/{readings|acks|status}. The gateway authorises by it and the devices
// publish and subscribe by it.
import { isMeterId } from './meter-id.js';

export type MeterTopicKind = 'readings' | 'acks' | 'status';

export const METER_TOPIC_PREFIX = 'feedin/v1/meters/';

export function meterTopic(meterId: string, kind: MeterTopicKind): string {
  return `${METER_TOPIC_PREFIX}${meterId}/${kind}`;
}

/** Parses a concrete (wildcard-free) meter topic; undefined for anything else. */
export function parseMeterTopic(topic: string): { meterId: string; kind: MeterTopicKind } | undefined {
  if (!topic.startsWith(METER_TOPIC_PREFIX)) return undefined;
  const rest = topic.slice(METER_TOPIC_PREFIX.length).split('/');
  if (rest.length !== 2) return undefined;
  const [meterId, kind] = rest as [string, string];
  if (!isMeterId(meterId)) return undefined;
  if (kind !== 'readings' && kind !== 'acks' && kind !== 'status') return undefined;
  return { meterId, kind };
}
