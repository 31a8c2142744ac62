// A real meter over DSMR P1, end to end: a recorded DSMR 5 telegram (a published sample from an
// Iskra MT382, device-firmware-sim/test/p1/fixtures/NOTICE.md) is written into one end of a real
// pseudo-terminal pair made by socat; `feedin sim --p1` reads the other end, signs the registers
// with a key registered on chain, and the gateway verifies and stores the reading. Line noise
// and a cut-off telegram come first, so the reader has to resynchronise.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc16Arc, p1Bytes } from '@feedin/device-firmware-sim/p1/crc16';
import { cliPath, repoRoot, runCli, startSandbox, writeTestConfig, type SandboxProcess } from '../support/sandbox-process.js';
import { serialTestsEnabled, startPtyPair, type PtyPair } from '../support/socat.js';

const REGULATOR_TOKEN = 'e2e-p1-regulator-token';
const METER = 'P1-E2E-0001';
const telegramPath = join(repoRoot, 'device-firmware-sim', 'test', 'p1', 'fixtures', 'dsmr50-iskra-mt382.txt');

describe('feedin p1 parse (the built CLI)', () => {
  const fixtures = join(repoRoot, 'device-firmware-sim', 'test', 'p1', 'fixtures');

  it('prints the registers as JSON and exits 0 for a usable telegram', async () => {
    const result = await runCli(['p1', 'parse', join(fixtures, 'emucs171-fluvius.txt')], process.env);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect({ ...json, registers: undefined }).toEqual({ crc: 'valid', importWh: 15792, exportWh: 11, timestamp: '2020-05-12T11:54:09.000Z', equipmentId: '1SAG3101021605', registers: undefined });
    expect(json.registers['0-0:96.1.4']).toBe('50217');
    expect(result.stdout).toMatch(/^\{"crc":"valid","importWh":15792,"exportWh":11,/); // integers, not strings
  });

  it('reads standard input; CRC absent in DSMR 2.2 is usable', async () => {
    const telegram = await readFile(join(fixtures, 'dsmr22-iskra-mt382.txt'), 'latin1');
    const result = await runCli(['p1', 'parse', '-'], process.env, telegram);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ crc: 'absent', importWh: 2002, exportWh: 2002, timestamp: null });
  });

  it('resynchronises on a capture that starts mid-telegram; absent registers are null, exit 0', async () => {
    const telegram = await readFile(telegramPath, 'latin1');
    const midway = await runCli(['p1', 'parse', '-'], process.env, telegram.slice(250) + telegram);
    expect(midway.code, midway.stderr).toBe(0);
    expect(JSON.parse(midway.stdout)).toMatchObject({ crc: 'valid', importWh: 6825, exportWh: 2444 });
    // a consumption-only meter: no 2.8.x lines (CRC recomputed over the remaining bytes)
    const body = telegram.replace(/1-0:2\.8\.[12]\([^)]*\)\r\n/g, '');
    const text = body.slice(0, body.indexOf('!') + 1);
    const consumption = await runCli(['p1', 'parse', '-'], process.env, text + crc16Arc(p1Bytes(text)).toString(16).toUpperCase() + '\r\n');
    expect(consumption.code, consumption.stderr).toBe(0);
    expect(consumption.stdout).toMatch(/^\{"crc":"valid","importWh":6825,"exportWh":null,/);
  });

  it('exits 1 when the CRC is wrong, 2 when the input is no telegram', async () => {
    const telegram = await readFile(telegramPath, 'latin1');
    const wrong = await runCli(['p1', 'parse', '-'], process.env, telegram.replace('!6EEE', '!6EEF'));
    expect([wrong.code, JSON.parse(wrong.stdout).crc, wrong.stderr.trim()]).toEqual([1, 'invalid', 'invalid: crc-mismatch: the CRC16 after ! does not match the telegram']);
    const cut = await runCli(['p1', 'parse', '-'], process.env, telegram.slice(0, 300));
    expect([cut.code, cut.stdout, cut.stderr.trim()]).toEqual([2, '', "unparseable: not-a-telegram: a P1 telegram starts with '/' and ends with '!'"]);
  });
});

describe.runIf(serialTestsEnabled())('a real meter over DSMR P1 (socat pty)', () => {
  let sandbox: SandboxProcess;
  let pty: PtyPair;
  let sim: ChildProcess | undefined;
  let simLog = '';
  let meterSide: SerialPort | undefined;
  let publicKey: string;
  let keyFile: string;

  beforeAll(async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'feedin-e2e-p1-'));
    const configPath = await writeTestConfig(workDir, (config) => {
      config.meters = config.meters.slice(0, 2);
    });
    sandbox = await startSandbox({ configPath, env: { FEEDIN_REGULATOR_TOKEN: REGULATOR_TOKEN } });
    keyFile = join(workDir, 'p1-meter.key');
    const keygen = await runCli(['meter', 'keygen', '--out', keyFile], sandbox.env);
    expect(keygen.code, keygen.stderr).toBe(0);
    publicKey = JSON.parse(keygen.stdout).publicKey;
    const register = await runCli(['meter', 'register', '--id', METER, '--pubkey', publicKey, '--payee', '0x' + '51'.repeat(20), '--capacity-w', '6000'], sandbox.env);
    expect(register.code, register.stderr + register.stdout).toBe(0);
    pty = await startPtyPair();
  }, 180_000);

  afterAll(async () => {
    if (meterSide?.isOpen) await new Promise<void>((ok) => meterSide!.close(() => ok()));
    if (sim && sim.exitCode === null) {
      const exited = new Promise<void>((ok) => sim!.once('exit', () => ok()));
      sim.kill('SIGTERM');
      await exited;
    }
    await pty?.close();
    await sandbox?.stop();
  });

  it('signs the recorded DSMR 5 telegram; the gateway verifies and stores the reading', async () => {
    sim = spawn(process.execPath, [cliPath, 'sim', '--p1', pty.b, '--id', METER, '--key', keyFile, '--baud', '115200', '--data-bits', '8', '--parity', 'none'], {
      env: sandbox.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sim.stdout!.on('data', (d) => (simLog += d));
    sim.stderr!.on('data', (d) => (simLog += d));
    await sandbox.waitFor('the P1 port open', async () => {
      if (sim!.exitCode !== null) throw new Error(`feedin sim --p1 exited (${sim!.exitCode}):\n${simLog}`);
      return simLog.includes(`P1 port ${pty.b}: open at 115200 8N1`);
    }, 30_000);

    const telegram = await readFile(telegramPath, 'latin1');
    meterSide = new SerialPort({ path: pty.a, baudRate: 115200, dataBits: 8, parity: 'none', autoOpen: false });
    await new Promise<void>((ok, fail) => meterSide!.open((error) => (error ? fail(error) : ok())));
    const write = (bytes: Buffer) => new Promise<void>((ok, fail) => meterSide!.write(bytes, (error) => (error ? fail(error) : meterSide!.drain(() => ok()))));
    // noise, a telegram cut off mid-line, one with a flipped digit (its CRC no longer matches),
    // then the real one: only the last may be signed
    const damaged = telegram.replace('1-0:2.8.1(000002.444*kWh)', '1-0:2.8.1(000009.444*kWh)');
    await write(Buffer.from([0x00, 0xff, 0x21, 0x0d, 0x0a, 0x7e]));
    await write(Buffer.from(telegram.slice(0, 400) + damaged + telegram, 'latin1'));

    const readings = async () => (await sandbox.api(`/api/meters/${METER}/readings`, REGULATOR_TOKEN)).body.readings as any[] | undefined;
    const stored = await sandbox.waitFor('the P1 reading stored at the gateway', async () => {
      if (sim!.exitCode !== null) throw new Error(`feedin sim --p1 exited (${sim!.exitCode}):\n${simLog}`);
      const list = await readings();
      return list && list.length > 0 ? list : undefined;
    }, 90_000);

    // 1.8.1 + 1.8.2 = 4.426 + 2.399 kWh; 2.8.1 + 2.8.2 = 2.444 + 0 kWh (the telegram's registers)
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ meterId: METER, pagination: 1, importWh: '6825', exportWh: '2444' });
    expect(simLog).toMatch(new RegExp(`${METER}: reading F1: import 6825 Wh, export 2444 Wh \\(P1 CRC valid, meter time 2017-01-02T18:20:02.000Z, equipment K8EG004046395507\\)`));
    expect(simLog.match(/P1 telegram refused: [^\n]*/g)).toEqual(['P1 telegram refused: crc-mismatch: the CRC16 after ! does not match']);

    // The stored bytes verify on their own against the registered key, outside the gateway.
    const ocmfFile = join(sandbox.dataDir, 'p1-reading.ocmf');
    await writeFile(ocmfFile, stored[0].ocmf);
    const verify = await runCli(['ocmf', 'verify', '--pubkey', publicKey, ocmfFile], { ...sandbox.env, FEEDIN_LANG: 'en' });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`meter ${METER}`);
    expect(JSON.parse(stored[0].ocmf.split('|')[1])).toMatchObject({ MV: 'ISk', MM: '2MT382-1000', MS: METER, PG: 'F1' });
  });

  it('reopens the port after the cable is pulled and plugged back in', async () => {
    await new Promise<void>((ok) => meterSide!.close(() => ok()));
    await pty.unplug();
    await sandbox.waitFor('the sim noticing the port is gone', async () => simLog.includes(`P1 port ${pty.b}: closed`) || /P1 port .*(cannot open|error)/.test(simLog), 30_000);
    await pty.plug();
    await sandbox.waitFor('the port reopened', async () => (simLog.match(/open at 115200 8N1/g) ?? []).length >= 2, 30_000);

    meterSide = new SerialPort({ path: pty.a, baudRate: 115200, dataBits: 8, parity: 'none', autoOpen: false });
    await new Promise<void>((ok, fail) => meterSide!.open((error) => (error ? fail(error) : ok())));
    const telegram = await readFile(telegramPath, 'latin1');
    await new Promise<void>((ok, fail) => meterSide!.write(Buffer.from(telegram, 'latin1'), (error) => (error ? fail(error) : meterSide!.drain(() => ok()))));
    const list = await sandbox.waitFor('a second reading', async () => {
      const readings = (await sandbox.api(`/api/meters/${METER}/readings`, REGULATOR_TOKEN)).body.readings as any[];
      return readings.length >= 2 ? readings : undefined;
    }, 60_000);
    expect(list.map((r) => [r.pagination, r.importWh, r.exportWh])).toEqual([
      [1, '6825', '2444'],
      [2, '6825', '2444'],
    ]);
  });
});
