// Who is connected: counts meters (a takeover by the same client id — MQTT-3.1.4-2 — briefly
// has two connections), keeps the retained status topic right (`online` / `offline`,
// docs/design.md §Transports) and reports meter.connected / meter.disconnected.
import type { Aedes, Client } from 'aedes';
import type { GatewayEvents } from '../events.js';
import type { GatewayMetrics } from '../metrics.js';
import type { BrokerLog } from './security.js';
import { meterTopic } from '@feedin/protocol/mqtt-topics';

export interface MeterPresence {
  connectedMeters(): number;
  isConnected(meterId: string): boolean;
}

export function trackMeterPresence(broker: Aedes, deps: { events: GatewayEvents; metrics: GatewayMetrics; log: BrokerLog }): MeterPresence {
  const connections = new Map<string, number>();

  const publishStatus = (meterId: string, status: 'online' | 'offline') =>
    broker.publish(
      { cmd: 'publish', topic: meterTopic(meterId, 'status'), payload: Buffer.from(status), qos: 1, retain: true, dup: false },
      (error) => {
        if (error) deps.log.warn(`mqtt: could not publish ${status} for ${meterId}: ${error.message}`);
      },
    );

  // 'client' fires only after authenticate accepted the meter.
  broker.on('client', (client: Client) => {
    const n = (connections.get(client.id) ?? 0) + 1;
    connections.set(client.id, n);
    deps.metrics.mqttConnectedMeters.set(connections.size);
    if (n === 1) {
      deps.events.emit('meter.connected', { meterId: client.id });
      publishStatus(client.id, 'online');
    }
  });

  broker.on('clientDisconnect', (client: Client) => {
    const n = (connections.get(client.id) ?? 0) - 1;
    if (n > 0) return void connections.set(client.id, n);
    if (!connections.delete(client.id)) return;
    deps.metrics.mqttConnectedMeters.set(connections.size);
    deps.events.emit('meter.disconnected', { meterId: client.id });
    if (!broker.closed) publishStatus(client.id, 'offline');
  });

  return { connectedMeters: () => connections.size, isConnected: (meterId) => connections.has(meterId) };
}
