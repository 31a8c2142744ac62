// The embedded broker's TLS identity (mqtt.tls): the sandbox CA and server certificate under
// <data dir>/tls, for the names a device may dial — always the loopback names, the listen host
// when it is a name or address of its own, and mqtt.tls.hostnames.
import { join } from 'node:path';
import { ensureSandboxTls, type SandboxTls } from '@feedin/gateway/broker/sandbox-tls';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';

const WILDCARDS = ['0.0.0.0', '::'];

export async function sandboxMqttTls(config: Pick<SandboxConfig, 'mqtt'>, dataDir: string): Promise<SandboxTls | undefined> {
  if (!config.mqtt.tls.enabled) return undefined;
  const host = WILDCARDS.includes(config.mqtt.host) ? [] : [config.mqtt.host];
  return ensureSandboxTls(join(dataDir, 'tls'), [...new Set(['localhost', '127.0.0.1', '::1', ...host, ...config.mqtt.tls.hostnames])]);
}
