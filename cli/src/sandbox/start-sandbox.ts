// The composition root of `feedin up`: the one place that creates the adapters of the embedded
// sandbox and wires them together — chain (anvil + contracts), device keys and registration,
// gateway (store, directory, ingest, broker, settlement), dashboard and the simulated fleet.
// Start-up fails fast with a message that says what to fix; at run time parts degrade and report.
import { createChainClient, type ChainClient } from '@feedin/contracts/chain-client';
import { openTransactionJournal } from '@feedin/contracts/transaction-journal';
import type { Hex } from '@feedin/protocol/hex';
import { intervalStartMs } from '@feedin/protocol/interval';
import { sandboxTimeMs, type Clock } from '@feedin/protocol/sandbox-time';
import { addressFromPrivateKey } from '@feedin/protocol/address';
import { sandboxPresentation } from '@feedin/sandbox-config/presentation';
import type { SandboxConfig } from '@feedin/sandbox-config/schema';
import { GatewayEvents } from '@feedin/gateway/events';
import { createMetrics } from '@feedin/gateway/metrics';
import { createDirectory } from '@feedin/gateway/registry/meter-directory';
import { chooseReadingStore, openReadingStore } from '@feedin/gateway/store/open-store';
import { openInfluxStore } from '@feedin/gateway/store/influx-store';
import { watchStoreHealth } from './store-health.js';
import { startGatewayCore } from '@feedin/gateway/gateway-core';
import { gatewayCryptoOptionsFromEnv } from '@feedin/gateway/gateway-crypto';
import { openSettlementStore } from '@feedin/gateway/settlement/settlement-store';
import { startSettlement } from '@feedin/gateway/settlement/settlement-service';
import { shardSettlementChain } from '@feedin/gateway/settlement/shard-chain';
import { createSettlementQueries } from '@feedin/gateway/settlement/queries';
import { auditLogPath, openAuditLog } from '@feedin/gateway/governance/audit-log';
import { latestSuspensions, openSuspensionLog, suspensionLogPath } from '@feedin/gateway/governance/suspension-log';
import { createRegulatorActions } from '@feedin/gateway/governance/regulator-actions';
import { readRegulatorStatus } from '@feedin/gateway/governance/regulator-status';
import { createDashboardApp } from '@feedin/dashboard/create-dashboard-app';
import { startDashboard } from '@feedin/dashboard/start-dashboard';
import { ensureFleetKeys, startFleet } from '@feedin/device-firmware-sim/fleet';
import { CliError } from '../cli-error.js';
import { loadClockAnchor, recordClockProgress } from '../clock-anchor.js';
import { recordOutage } from '@feedin/gateway/settlement/outages';
import { dataPaths, readJsonFile, writeJsonFileAtomic, type RuntimeInfo } from '../data-dir.js';
import type { SandboxContext } from '../sandbox-context.js';
import { createDashboardPorts } from '@feedin/dashboard/gateway-ports';
import { startEmbeddedChain } from './embedded-chain.js';
import { preflight } from './preflight.js';
import { readChainRecoveryLog, recordRecoveredSubmissions, recoverEmbeddedChain, recoveryHealth } from './chain-recovery.js';
import { startRpcChain } from './rpc-chain.js';
import { syncRegistry } from './registry-sync.js';
import { ensureRegistryClock } from './registry-clock.js';
import { registerFleet } from './register-fleet.js';
import { isLiveProcess } from './stale-process.js';
import { sandboxMqttTls } from './mqtt-tls.js';
import { makeDataDirPrivate } from './private-data-dir.js';
import { refusePublicKeysOnRpc } from './public-keys-check.js';
import { roleLogins, upLoginLines } from './role-logins.js';
import { enterLogMode, rebuildFromLog } from './log-mode.js';
import type { LogMode } from '@feedin/gateway/log/open-log-mode';
import { batchLogOf } from '@feedin/gateway/log/batch-from-log';
import type { MonitoredReadingStore } from '@feedin/gateway/store/open-store';

export interface RunningSandbox {
  httpUrl: string;
  /** where each role logs in, without secrets from the environment or files (role-logins.ts) */
  loginLines: string[];
  stop(): Promise<void>;
}

export interface Ports {
  http: number;
  mqtt: number;
  mqtts: number;
  chain: number;
}

export function portsFrom(config: SandboxConfig, env: NodeJS.ProcessEnv): Ports {
  const port = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(`${name}=${raw}: a TCP port 0-65535`);
    return n;
  };
  return {
    http: port('FEEDIN_HTTP_PORT', config.dashboard.port),
    mqtt: port('FEEDIN_MQTT_PORT', config.mqtt.port),
    mqtts: port('FEEDIN_MQTTS_PORT', config.mqtt.tls.port),
    chain: port('FEEDIN_CHAIN_PORT', 8545),
  };
}

export async function startSandbox(ctx: SandboxContext, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RunningSandbox> {
  const { config } = ctx;
  const paths = dataPaths(ctx.paths.root);
  const ports = portsFrom(config, env);
  const { keys, tokens } = preflight(ctx, env); // before anything is created or started
  refusePublicKeysOnRpc(config, keys);
  // Files 0600 in folders 0700, for everything this process and anvil write (issue #10.11).
  await makeDataDirPrivate(paths.root);
  const stack: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const close of stack.reverse()) {
      try {
        await close();
      } catch (error) {
        log(`stop: ${(error as Error).message}`);
      }
    }
  };

  try {
    // durability jetstream: wait as standby for the shard's lease before starting anything; the
    // lease keeps two gateways of a shard apart, even on one shared data dir (docker-compose).
    let logMode: LogMode | undefined;
    if (config.durability.mode === 'jetstream') logMode = await enterLogMode({ config, env, dataDir: paths.root, viewPath: paths.readingsDb, stack, log });
    else {
      const previous = await readJsonFile<RuntimeInfo>(paths.runtime).catch(() => undefined);
      if (previous && (await isLiveProcess(previous.pid, ' up')))
        throw new CliError(`a sandbox is already running on ${paths.root} (pid ${previous.pid}, ${previous.httpUrl}); stop it first or set FEEDIN_DATA_DIR to another folder`);
    }
    // chain.mode rpc: an existing node (e.g. the Besu QBFT consortium of docker-compose.yml).
    const chainNode =
      config.chain.mode === 'rpc'
        ? await startRpcChain({ config, keys, rpcUrl: requireRpcUrl(config.chain.rpcUrl), deploymentFile: paths.deployment, log })
        : await startEmbeddedChain({ config, keys, port: ports.chain, stateFile: paths.anvilState, deploymentFile: paths.deployment, pidFile: paths.anvilPid, log });
    stack.push(() => chainNode.stop());
    const { deployment, rpcUrl } = chainNode;
    // Embedded: anvil keeps its state in a file written once a second; what a crash took from it is
    // recovered from the journal of everything sent, before anything sends again.
    const embedded = config.chain.mode !== 'rpc';
    const journal = embedded ? openTransactionJournal(paths.txJournal) : undefined;
    const recovery = embedded
      ? await recoverEmbeddedChain({ rpcUrl, journalPath: paths.txJournal, recoveryLogPath: paths.chainRecoveryLog, freshDeployment: chainNode.fresh, log })
      : undefined;
    const client = (key: Hex): ChainClient => {
      const c = createChainClient({ rpcUrl, chainId: deployment.chainId, deployment, signerKey: key, journal });
      stack.push(() => c.close()); // its provider's timers would keep the process alive after stop
      return c;
    };
    const gatewayChain = client(keys.gateway);
    const operatorChain = client(keys.operator);

    // Device keys are made on the device side; only their public halves reach the registry.
    const publicKeys = await ensureFleetKeys(config, paths.root);
    await registerFleet({ config, chain: operatorChain, publicKeys, log });

    // The sandbox clock starts once the chain and the registry are ready, so that a new sandbox's
    // first interval is not spent waiting for deployment and registration.
    const { anchor, fresh, resumedFromMs, outage } = await loadClockAnchor(paths.clock, config, Date.now());
    const clock: Clock = { nowMs: () => sandboxTimeMs(anchor, Date.now()), wallNowMs: () => Date.now(), speed: anchor.speed };
    const progress = recordClockProgress(paths.clock, anchor, clock, log);
    stack.push(() => progress.stop()); // pushed before the fleet, so it records the time after the fleet stopped
    log(`clock: sandbox time ${new Date(clock.nowMs()).toISOString()} at ${anchor.speed}× (${fresh ? 'new sandbox' : resumedFromMs !== undefined ? `resumed where it stopped, ${new Date(resumedFromMs).toISOString()}` : 'resumed'})`);
    if (outage) log(`clock: the sandbox was down from ${new Date(outage.fromMs).toISOString()} to ${new Date(outage.toMs).toISOString()} (sandbox time; at speed 1 it cannot pause)`);
    await ensureRegistryClock(client(keys.deployer), anchor, log);

    const directory = createDirectory();
    const registry = await syncRegistry({ chain: gatewayChain, directory, log });
    stack.push(() => registry.stop());

    const events = new GatewayEvents();
    const metrics = createMetrics();
    const settlementStore = openSettlementStore(paths.settlementDb);
    stack.push(() => settlementStore.close());
    // durability sqlite: the embedded SQLite store, or InfluxDB behind a local durable spool
    // (storage.kind / INFLUX_URL). jetstream: the shard's replicated log, after this process holds
    // the shard's lease (docs/durability.md); the local files are views rebuilt from the stream.
    if (logMode) await rebuildFromLog(logMode, { config, directory, settlementStore, log });
    let store: MonitoredReadingStore;
    const influx = chooseReadingStore(config, env);
    // log mode with InfluxDB: InfluxDB is fed from the view, as from the spool it is otherwise
    if (logMode) {
      store = influx ? openInfluxStore({ ...influx, spoolPath: paths.readingsDb, spool: logMode.store }) : logMode.store;
      if (influx) stack.push(() => store.close());
    } else {
      store = openReadingStore({ config, dataDir: paths.root, env, localPath: paths.readingsDb });
      stack.push(() => store.close());
    }
    stack.push(watchStoreHealth(store, metrics));
    const connected = new Set<string>();
    events.on('meter.connected', ({ meterId }) => connected.add(meterId));
    events.on('meter.disconnected', ({ meterId }) => connected.delete(meterId));
    const brokerHost = config.mqtt.host === '0.0.0.0' ? '127.0.0.1' : config.mqtt.host;
    const tls = await sandboxMqttTls(config, paths.root);
    // Ingest, the serial lines to meters (RS-485/USB: through the same ingest as MQTT, answered
    // after the durable write) and the broker, built as the ingest bench builds them.
    const core = await startGatewayCore({
      store,
      directory,
      clock,
      shard: config.gateway.shard, // other shards' meters: CONNACK 5 at login, readings refused by TM
      events,
      metrics,
      crypto: gatewayCryptoOptionsFromEnv(env),
      limits: { clockSkewSeconds: config.limits.clockSkewSeconds, plausibilityMarginPercent: config.limits.plausibilityMarginPercent },
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      jwtMaxLifetimeSeconds: config.mqtt.jwtMaxLifetimeSeconds,
      serialLines: config.serial.ports,
      broker: {
        host: config.mqtt.host,
        port: ports.mqtt,
        unauthenticated: { max: config.mqtt.maxUnauthenticatedConnections, connectTimeoutMs: config.mqtt.connectTimeoutSeconds * 1000 },
        ...(tls ? { tls: { host: config.mqtt.host, port: ports.mqtts, keyPem: tls.keyPem, certPem: tls.certPem } } : {}),
      },
      log: console,
    });
    const { broker } = core;
    let brokerOpen = true;
    stack.push(async () => {
      brokerOpen = false;
      await core.close(); // pushed after the store, so it closes before it
    });
    for (const line of config.serial.ports) log(`gateway: serial ${line.path} at ${line.baudRate} baud ${line.dataBits}${line.parity[0]!.toUpperCase()}${line.stopBits}`);
    log(`gateway: MQTT broker on ${config.mqtt.host}:${broker.port} (plain TCP: for the local sandbox only)`);
    if (tls) log(`gateway: MQTT over TLS on ${config.mqtt.host}:${broker.tlsPort} (devices trust the sandbox CA ${tls.caFile})`);

    if (outage) recordOutage(settlementStore, outage);
    recordRecoveredSubmissions(recovery, settlementStore, log);
    const settlement = await startSettlement({
      config,
      clock,
      store,
      settlementStore,
      directory,
      // This gateway's shard only (config gateway.shard, default 0): its own batch sequence.
      chain: catchUpBeforeRejections(shardSettlementChain(gatewayChain, config.gateway.shard), registry),
      firstIntervalStartMs: intervalStartMs(anchor.sandboxMs, config.interval.minutes),
      keccak: core.crypto.keccak,
      events,
      metrics,
      log,
      ...(logMode ? { batchLog: batchLogOf(logMode.store) } : {}),
    });
    stack.push(() => settlement.stop());

    const chainInfo = { chainId: deployment.chainId, rpcUrl, registry: deployment.registry, settlement: deployment.settlement, token: deployment.token };
    const queries = createSettlementQueries({ settlementStore, store, directory, shard: config.gateway.shard, keccak: core.crypto.keccak });
    // The regulator's API acts with the regulator key (the sandbox holds it, like every embedded key).
    const auditLog = openAuditLog(auditLogPath(paths.root));
    const suspensionLog = openSuspensionLog(suspensionLogPath(paths.root));
    const ports_ = createDashboardPorts({
      config, clock, store, settlementStore, queries, settlement, directory, chain: gatewayChain, operatorChain, chainInfo,
      connectedMeters: () => connected, brokerListening: () => brokerOpen, events, metrics, chainRecovery: recoveryHealth(recovery),
      chainRecoveryLog: embedded ? () => readChainRecoveryLog(paths.chainRecoveryLog) : undefined,
      suspensionReasons: async () => latestSuspensions(await suspensionLog.list(), await auditLog.list()),
      recordSuspension: (record) => suspensionLog.append(record),
    });
    const regulator = {
      actions: createRegulatorActions({ chain: client(keys.regulator), clock, auditLog, via: 'api' }),
      status: () => readRegulatorStatus(gatewayChain, config, settlement.status().revokedKeyBatches),
      auditLog: () => auditLog.list(),
      chainRecovery: () => readChainRecoveryLog(paths.chainRecoveryLog),
    };
    const app = createDashboardApp({
      regulator,
      ports: ports_,
      tokens,
      log,
      trustProxy: config.dashboard.trustProxy,
      info: {
        sandboxName: config.sandbox.name,
        token: { symbol: config.chain.token.symbol, decimals: config.chain.token.decimals },
        intervalMinutes: config.interval.minutes,
        timeZone: config.sandbox.timeZone,
        ...sandboxPresentation(config),
        chainId: config.chain.chainId,
        caps: {
          exportCapPercentOfCapacity: config.limits.exportCapPercentOfCapacity ?? null,
          householdDailyCap: config.limits.householdDailyCap?.toString() ?? null,
          batchCap: config.limits.batchCap?.toString() ?? null,
          budget: config.limits.budget?.toString() ?? null,
          legalBasis: config.limits.legalBasis ?? null,
        },
      },
    });
    const dashboard = await startDashboard({ app, host: config.dashboard.host, port: ports.http });
    stack.push(() => dashboard.close());

    if (config.simulation.enabled) {
      const viaTls = config.simulation.mqttTls && tls && broker.tlsPort !== undefined;
      const fleetBroker = viaTls ? { host: brokerHost, port: broker.tlsPort!, tls: { caPem: tls.caPem, servername: 'localhost' } } : { host: brokerHost, port: broker.port };
      const fleet = await startFleet({ config, dataDir: paths.root, clock, broker: fleetBroker, log });
      stack.push(() => fleet.stop());
      log(`fleet: ${config.meters.length} simulated meters${viaTls ? ' over MQTT/TLS' : ''}`);
    }

    const runtime: RuntimeInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      httpUrl: dashboard.url,
      mqtt: { host: config.mqtt.host, port: broker.port, ...(tls && broker.tlsPort !== undefined ? { tlsPort: broker.tlsPort, caFile: tls.caFile } : {}) },
      rpcUrl,
      chainId: deployment.chainId,
      configPath: ctx.configPath,
    };
    await writeJsonFileAtomic(paths.runtime, runtime);
    log(`operator ${addressFromPrivateKey(keys.operator)}, gateway ${addressFromPrivateKey(keys.gateway)}; device keys under ${paths.root}/devices`);
    return {
      httpUrl: dashboard.url,
      loginLines: upLoginLines(roleLogins({ config, env, httpUrl: dashboard.url, secret: ctx.secret, secretSource: ctx.secretSource })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A rejected batch is rebuilt from the directory: a suspension the regulator made just before the
 * rejection must be in it, so the registry's events are caught up first (the sync polls them only
 * every few seconds, docs/design.md "Registry sync"). */
function catchUpBeforeRejections<C extends { batchRejections(fromBlock: number): Promise<unknown[]> }>(chain: C, registry: { caughtUp(): Promise<void> }): C {
  return {
    ...chain,
    async batchRejections(fromBlock: number) {
      const found = await chain.batchRejections(fromBlock);
      if (found.length > 0) await registry.caughtUp();
      return found;
    },
  };
}

function requireRpcUrl(rpcUrl: string | undefined): string {
  if (!rpcUrl) throw new CliError('chain.mode is rpc but chain.rpcUrl is not set: give the URL of the chain node (e.g. http://besu-1:8545)');
  return rpcUrl;
}
