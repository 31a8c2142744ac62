// The MQTT topic tree of DESIGN "Transports": feedin/v1/meters/{meterId}/{readings|acks|status}.
// A meter may publish and subscribe only under its own id.

export type MeterTopicKind = 'readings' | 'acks' | 'status';

const PREFIX = 'feedin/v1/meters/';

export function meterTopic(meterId: string, kind: MeterTopicKind): string {
  return `${PREFIX}${meterId}/${kind}`;
}

/** Parses a concrete (wildcard-free) meter topic; undefined for anything else. */
export function parseMeterTopic(topic: string): { meterId: string; kind: MeterTopicKind } | undefined {
  if (!topic.startsWith(PREFIX)) return undefined;
  const rest = topic.slice(PREFIX.length).split('/');
  if (rest.length !== 2) return undefined;
  const [meterId, kind] = rest as [string, string];
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(meterId)) return undefined;
  if (kind !== 'readings' && kind !== 'acks' && kind !== 'status') return undefined;
  return { meterId, kind };
}
