// feedin sim --modbus <port> --model <sdm120|sdm630|dtsu666> --unit <n> --id <meterId> --key <file>
//            [--unit <n> --id <meterId> --key <file> [--model …]] …
//            [--baud 9600] [--parity none] [--data-bits 8] [--stop-bits 1] [--timeout-ms 500]
//            [--poll <seconds>] [--every <seconds>] [--broker host:port] [--api <url>]
// Modbus RTU energy meters on one RS-485 line, each its own feedin device: the n-th --unit goes
// with the n-th --id and --key (and the n-th --model, or the only one given). Every --poll wall
// seconds each meter's import/export energy is read and signed (docs/meters.md).
import { parseArgs } from 'node:util';
import { MODBUS_METER_MODELS, isModbusMeterModel } from '@feedin/device-firmware-sim/modbus/meter-models';
import { openModbusLink } from '@feedin/device-firmware-sim/modbus/modbus-link';
import { readModbusMeter } from '@feedin/device-firmware-sim/modbus/read-modbus-meter';
import { createRealMeterDevice } from '@feedin/device-firmware-sim/real-meter/real-meter-device';
import { createRegisterPoller } from '@feedin/device-firmware-sim/real-meter/register-poller';
import { CliError } from '../cli-error.js';
import { checkMeterId, realMeterSetup, untilSignal } from './sim-device.js';

const MODELS = Object.keys(MODBUS_METER_MODELS).join('|');

export function pollMs(text: string | undefined, fallbackSec: number): number {
  const sec = Number(text ?? fallbackSec);
  if (!Number.isFinite(sec) || sec < 0.05) throw new CliError('--poll: wall seconds between reads of each meter, ≥ 0.05');
  return Math.round(sec * 1000);
}

export function timeoutMs(text: string | undefined): number {
  const ms = Number(text ?? '500');
  if (!Number.isInteger(ms) || ms < 20 || ms > 60_000) throw new CliError('--timeout-ms: how long to wait for a meter to answer, 20-60000 ms');
  return ms;
}

export async function simModbus(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      modbus: { type: 'string' },
      model: { type: 'string', multiple: true },
      unit: { type: 'string', multiple: true },
      id: { type: 'string', multiple: true },
      key: { type: 'string', multiple: true },
      baud: { type: 'string', default: '9600' },
      parity: { type: 'string', default: 'none' },
      'data-bits': { type: 'string', default: '8' },
      'stop-bits': { type: 'string', default: '1' },
      'timeout-ms': { type: 'string' },
      poll: { type: 'string' },
      every: { type: 'string' },
      broker: { type: 'string' },
      api: { type: 'string' },
    },
  });
  const path = values.modbus;
  if (!path) throw new CliError('missing --modbus <port> (the RS-485 adapter, e.g. /dev/ttyUSB0)');
  const units = values.unit ?? [];
  const ids = values.id ?? [];
  const keys = values.key ?? [];
  const models = values.model ?? [];
  if (units.length === 0) throw new CliError('missing --unit <n> (the meter\'s Modbus address, 1-247)');
  if (ids.length !== units.length || keys.length !== units.length) throw new CliError(`each --unit needs its own --id and --key (got ${units.length} --unit, ${ids.length} --id, ${keys.length} --key)`);
  if (models.length !== 1 && models.length !== units.length) throw new CliError(`--model <${MODELS}>: once for all meters or once per --unit`);
  const meters = units.map((unitText, i) => {
    const unit = Number(unitText);
    if (!Number.isInteger(unit) || unit < 1 || unit > 247) throw new CliError(`--unit: a Modbus address 1-247, got ${JSON.stringify(unitText)}`);
    const modelName = models[models.length === 1 ? 0 : i]!;
    if (!isModbusMeterModel(modelName)) throw new CliError(`--model: one of ${MODELS}, got ${JSON.stringify(modelName)}`);
    return { unit, id: checkMeterId(ids[i]), key: keys[i]!, model: MODBUS_METER_MODELS[modelName] };
  });
  const seen = new Set<number>();
  for (const m of meters) {
    if (seen.has(m.unit)) throw new CliError(`--unit ${m.unit} given twice: every meter on one bus needs its own address`);
    seen.add(m.unit);
  }
  const baudRate = Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate < 1200 || baudRate > 115_200) throw new CliError('--baud: the bus speed set on every meter, e.g. 9600 (1200-115200)');
  const parity = values.parity;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new CliError('--parity: none, even or odd (as set on the meters)');
  const dataBits = Number(values['data-bits']);
  if (dataBits !== 7 && dataBits !== 8) throw new CliError('--data-bits: 8 (Modbus RTU) or 7');
  const stopBits = Number(values['stop-bits']);
  if (stopBits !== 1 && stopBits !== 2) throw new CliError('--stop-bits: 1 or 2');
  const interval = pollMs(values.poll, 5);
  const timeout = timeoutMs(values['timeout-ms']);

  const setup = await realMeterSetup(values);
  const { log } = setup;
  const link = openModbusLink({ transport: { kind: 'rtu', path, baudRate, dataBits, parity, stopBits }, timeoutMs: timeout, log });
  const pollers = [];
  for (const m of meters) {
    const name = `${m.model.vendor.MM} unit ${m.unit}`;
    const device = createRealMeterDevice(await setup.device(m.id, m.key, (why) => `${m.id}: ${name} reading refused: ${why}`));
    pollers.push(
      createRegisterPoller({
        name,
        device,
        read: () => readModbusMeter(link, m.model, m.unit),
        pollMs: interval,
        log,
        onSigned: (r) => log(`${r.meterId}: reading F${r.pagination}: import ${r.importWh} Wh, export ${r.exportWh} Wh (${name}, ${m.model.document})`),
      }),
    );
    log(`Modbus meter ${m.id}: ${name} on ${link.name} → ${setup.broker}`);
  }
  for (const p of pollers) p.start();

  await untilSignal();
  await Promise.all(pollers.map((p) => p.stop()));
  await link.close();
  const s = link.stats();
  log(`stopped: requests ${s.requests}, answers ${s.answers}, failures ${JSON.stringify(s.failures)}`);
  return 0;
}
