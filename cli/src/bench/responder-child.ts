// The plain responder of the Mosquitto peer (mosquitto-peer.ts), in its own process so that its
// CPU is counted apart from the broker's and the load generator's: one MQTT connection that
// subscribes to every meter's readings (QoS 0: the hand-over the gateway does in-process) and
// answers each with the ack the gateway would publish (QoS 1 to feedin/v1/meters/{id}/acks), with
// no verification and no store. IPC: {start, port} → {ready}; {count} → {count, received}.
import { encodeAck } from '@feedin/protocol/ack';
import { METER_TOPIC_PREFIX, meterTopic } from '@feedin/protocol/mqtt-topics';
import { openWire } from './mqtt-wire.js';
import { pgOf } from './plain-ack.js';

export type ResponderReply = { type: 'ready' } | { type: 'count'; received: number };

process.once('message', (msg: { type: 'start'; port: number }) => {
  let received = 0;
  const reply = (r: ResponderReply) => process.send!(r);
  const wireRef: { publish?: (topic: string, payload: string) => Promise<number> } = {};
  openWire('127.0.0.1', msg.port, 'bench-responder', 'x', {
    subscribe: { topic: `${METER_TOPIC_PREFIX}+/readings`, qos: 0 },
    onPublish(topic, payload) {
      received++;
      const meterId = topic.slice(METER_TOPIC_PREFIX.length, topic.lastIndexOf('/'));
      void wireRef.publish!(meterTopic(meterId, 'acks'), encodeAck(pgOf(payload), 'accepted')).catch(() => {});
    },
  }).then(
    (wire) => {
      wireRef.publish = wire.publish;
      process.on('message', (m: { type: string }) => {
        if (m.type === 'count') reply({ type: 'count', received });
        if (m.type === 'stop') {
          wire.close();
          process.exit(0);
        }
      });
      reply({ type: 'ready' });
    },
    (error: unknown) => {
      console.error('bench responder:', error);
      process.exit(1);
    },
  );
});
process.on('disconnect', () => process.exit(0));
