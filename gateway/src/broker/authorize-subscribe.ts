// aedes `authorizeSubscribe` hook: a meter may subscribe only to its own acks and status
// (docs/design.md §Transports); anything else — wildcards, other meters, $SYS — disconnects it and
// is logged as a security event. (MQTT 3.1.1 would also allow a 0x80 SUBACK; docs/design.md
// §Transports asks for the disconnect so a misbehaving device is noticed.)
import type { Client, Subscription } from 'aedes';
import type { SecurityRecorder } from './security.js';
import { parseMeterTopic } from '@feedin/protocol/mqtt-topics';

export function createAuthorizeSubscribe(deps: { security: SecurityRecorder }) {
  return function authorizeSubscribe(
    client: Client,
    subscription: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const topic = parseMeterTopic(subscription.topic);
    if (topic && topic.meterId === client.id && (topic.kind === 'acks' || topic.kind === 'status')) return done(null, subscription);
    deps.security('foreign-subscribe', { meterId: client.id, clientId: client.id }, `subscription to ${JSON.stringify(subscription.topic)} refused`);
    done(new Error(`subscription to ${subscription.topic} is not allowed for ${client.id}`));
  };
}
