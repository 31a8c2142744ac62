// Real meters other than P1, end to end through the built `feedin sim` and a real gateway:
// - three Modbus RTU meters (Eastron SDM120, SDM630, CHINT DTSU666) on one simulated RS-485 bus
//   over a socat pseudo-terminal pair, answering from the vendors' register maps
//   (test/support/modbus-rtu-slave.ts), one `feedin sim --modbus` process for the bus;
// - a SunSpec inverter with a meter model over Modbus TCP (test/support/sunspec-server.ts);
// - an IEC 62056-21 mode C meter with the baud switch on another pty (test/support/iec62056-meter.ts).
// Each meter's key is registered on chain; the gateway verifies and stores the readings, and the
// stored bytes verify on their own with `feedin ocmf verify`. A CRC fault on the bus shows in the
// sim's log while nothing from it is stored.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIec62056Meter, type Iec62056Meter } from '../support/iec62056-meter.js';
import { startModbusRtuSlave, type ModbusRtuSlave } from '../support/modbus-rtu-slave.js';
import { cliPath, runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../support/socat.js';
import { startSunSpecServer, type SunSpecServer } from '../support/sunspec-server.js';

const REGULATOR_TOKEN = 'e2e-meters-regulator-token';
const MODBUS = [
  { unit: 1, model: 'sdm120', id: 'E2E-SDM120', importKWh: 1234.5678, exportKWh: 98.765, importWh: '1234567', exportWh: '98764' },
  { unit: 2, model: 'sdm630', id: 'E2E-SDM630', importKWh: 0.5, exportKWh: 4321.25, importWh: '500', exportWh: '4321250' },
  { unit: 7, model: 'dtsu666', id: 'E2E-DTSU666', importKWh: 65432.1, exportKWh: 12.0625, importWh: '65432101', exportWh: '12062' },
] as const;
const SUNSPEC_ID = 'E2E-SUNSPEC';
const IEC_ID = 'E2E-IEC62056';

describe.runIf(serialTestsEnabled())('Modbus RTU, SunSpec and IEC 62056-21 meters through feedin sim to the gateway', () => {
  let sandbox: SandboxProcess;
  let busPty: PtyPair;
  let opticalPty: PtyPair;
  let slave: ModbusRtuSlave;
  let sunspec: SunSpecServer;
  let iec: Iec62056Meter;
  const sims: Array<{ child: ChildProcess; log: string }> = [];
  const keys = new Map<string, { file: string; publicKey: string }>();

  const spawnSim = (args: string[]) => {
    const entry = { child: spawn(process.execPath, [cliPath, 'sim', ...args], { env: sandbox.env, stdio: ['ignore', 'pipe', 'pipe'] }), log: '' };
    entry.child.stdout!.on('data', (d) => (entry.log += d));
    entry.child.stderr!.on('data', (d) => (entry.log += d));
    sims.push(entry);
    return entry;
  };
  const readings = async (meterId: string) => ((await sandbox.api(`/api/meters/${meterId}/readings`, REGULATOR_TOKEN)).body.readings as any[] | undefined) ?? [];
  const storedFor = (meterId: string, sim: { child: ChildProcess; log: string }) =>
    sandbox.waitFor(`a reading of ${meterId} stored at the gateway`, async () => {
      if (sim.child.exitCode !== null) throw new Error(`feedin sim exited (${sim.child.exitCode}):\n${sim.log}`);
      const list = await readings(meterId);
      return list.length > 0 ? list : undefined;
    }, 60_000);

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-meters-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.meters = config.meters.slice(0, 2);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
    for (const id of [...MODBUS.map((m) => m.id), SUNSPEC_ID, IEC_ID]) {
      const file = join(workDir, `${id}.key`);
      const keygen = await runCli(['meter', 'keygen', '--out', file], sandbox.env);
      expect(keygen.code, keygen.stderr).toBe(0);
      const publicKey = JSON.parse(keygen.stdout).publicKey;
      const register = await runCli(['meter', 'register', '--id', id, '--pubkey', publicKey, '--payee', '0x' + '52'.repeat(20), '--capacity-w', '6000'], sandbox.env);
      expect(register.code, register.stderr + register.stdout).toBe(0);
      keys.set(id, { file, publicKey });
    }
    busPty = await startPtyPair();
    slave = await startModbusRtuSlave(busPty.a);
    for (const m of MODBUS) slave.units.set(m.unit, { model: m.model, importKWh: m.importKWh, exportKWh: m.exportKWh });
    sunspec = await startSunSpecServer({ unit: 1, manufacturer: 'Fronius', model: 'Symo 8.2-3-M', serialNumber: '31234567', inverter: { wh: 4_200_000, sf: 0 }, meter: { exportWh: 123_457, importWh: 98_765, sf: -1 } });
    opticalPty = await startPtyPair();
    iec = await startIec62056Meter(opticalPty.a, { identification: 'ISK5\\2ME382-1003', lines: ['0.0.0(12345678)', '1.8.0(012345.678*kWh)', '1.8.1(008000.000*kWh)', '1.8.2(004345.678*kWh)', '2.8.0(000987.6549*kWh)'] });
  }, 180_000);

  afterAll(async () => {
    for (const { child } of sims) {
      if (child.exitCode !== null) continue;
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      await exited;
    }
    await slave?.close();
    await iec?.close();
    await sunspec?.close();
    await busPty?.close();
    await opticalPty?.close();
    await sandbox?.stop();
  });

  it('three Modbus RTU meters on one bus: each signs its energy registers, the gateway verifies and stores them', async () => {
    const args = ['--modbus', busPty.b, '--baud', '9600', '--poll', '0.3', '--timeout-ms', '300'];
    for (const m of MODBUS) args.push('--model', m.model, '--unit', String(m.unit), '--id', m.id, '--key', keys.get(m.id)!.file);
    const sim = spawnSim(args);
    for (const m of MODBUS) {
      const stored = await storedFor(m.id, sim);
      expect(stored[0]).toMatchObject({ meterId: m.id, pagination: 1, importWh: m.importWh, exportWh: m.exportWh });
    }
    expect(sim.log).toContain(`E2E-SDM120: reading F1: import 1234567 Wh, export 98764 Wh (SDM120-Modbus unit 1, Eastron SDM120 Modbus Protocol V2.x)`);
    const first = (await readings('E2E-DTSU666'))[0];
    const ocmfFile = join(sandbox.dataDir, 'dtsu666-reading.ocmf');
    await writeFile(ocmfFile, first.ocmf);
    const verify = await runCli(['ocmf', 'verify', '--pubkey', keys.get('E2E-DTSU666')!.publicKey, ocmfFile], sandbox.env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(first.ocmf.split('|')[1])).toMatchObject({ MV: 'CHINT', MM: 'DTSU666', MS: 'E2E-DTSU666' });

    // a CRC fault on one unit: reported by the sim, and nothing from the faulty frames is stored
    const unit = slave.units.get(2)!;
    unit.corruptCrc = true;
    unit.importKWh = 777; // what the damaged frames carry: it must never reach the gateway
    await sandbox.waitFor('the CRC fault in the sim log', async () => /SDM630-Modbus V2 unit 2: read failed \(\d+×\): crc: /.test(sim.log), 30_000);
    expect((await readings('E2E-SDM630')).every((r) => r.importWh === '500')).toBe(true);
    unit.corruptCrc = false;
    await sandbox.waitFor('unit 2 read again after the fault', async () => ((await readings('E2E-SDM630')).some((r) => r.importWh === '777000') ? true : undefined), 30_000);
  });

  it('a SunSpec inverter with a meter model over Modbus TCP: the meter totals with TotWh_SF reach the gateway', async () => {
    const sim = spawnSim(['--sunspec', `127.0.0.1:${sunspec.port}`, '--unit', '1', '--id', SUNSPEC_ID, '--key', keys.get(SUNSPEC_ID)!.file, '--poll', '0.3']);
    const stored = await storedFor(SUNSPEC_ID, sim);
    // TotWhImp 98,765 × 10^-1 = 9,876.5 → 9,876 Wh; TotWhExp 123,457 × 10^-1 → 12,345 Wh
    expect(stored[0]).toMatchObject({ meterId: SUNSPEC_ID, pagination: 1, importWh: '9876', exportWh: '12345' });
    expect(sim.log).toMatch(/SunSpec unit 1 on 127\.0\.0\.1:\d+: Fronius Symo 8\.2-3-M \(SN 31234567\), map at 40000, models 1, 103, 203; energy from model 203 at 40122/);
  });

  it('an IEC 62056-21 meter at the optical port: mode C readout with the baud switch reaches the gateway', async () => {
    const sim = spawnSim(['--iec62056', opticalPty.b, '--id', IEC_ID, '--key', keys.get(IEC_ID)!.file, '--poll', '0.5']);
    const stored = await storedFor(IEC_ID, sim);
    expect(stored[0]).toMatchObject({ meterId: IEC_ID, pagination: 1, importWh: '12345678', exportWh: '987654' });
    expect(iec.steps.slice(0, 3)).toEqual(['request', 'ack 5', 'data at 9600']);
    expect(JSON.parse(stored[0].ocmf.split('|')[1])).toMatchObject({ MV: 'ISK', MM: 'ME382-1003' });
  });

  it('option errors are one line naming what to fix', async () => {
    const r = await runCli(['sim', '--modbus', busPty.b, '--model', 'sdm999', '--unit', '1', '--id', 'X', '--key', 'k'], sandbox.env);
    expect([r.code, r.stderr.trim()]).toEqual([2, expect.stringContaining('--model: one of sdm120|sdm630|dtsu666, got "sdm999"')]);
  });
});
