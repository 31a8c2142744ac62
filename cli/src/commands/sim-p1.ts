// feedin sim --p1 <port> --id <meterId> --key <file> [--baud 115200] [--data-bits 8] [--parity none]
//            [--broker host:port] [--api <url>] [--every <seconds>]
// A real smart meter on its P1 port becomes a feedin device: each usable telegram is signed as an
// OCMF reading with the key from `feedin meter keygen` and sent to the gateway (store-and-forward
// under <data dir>/devices/<meterId>/). Defaults to the running embedded sandbox.
import { parseArgs } from 'node:util';
import { createP1Meter } from '@feedin/device-firmware-sim/p1/p1-meter';
import { openP1Port } from '@feedin/device-firmware-sim/p1/p1-port';
import { CliError } from '../cli-error.js';
import { checkMeterId, realMeterSetup, untilSignal } from './sim-device.js';

export async function simP1(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      p1: { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      baud: { type: 'string', default: '115200' },
      'data-bits': { type: 'string', default: '8' },
      parity: { type: 'string', default: 'none' },
      broker: { type: 'string' },
      api: { type: 'string' },
      every: { type: 'string', default: '0' },
    },
  });
  const path = values.p1;
  if (!path) throw new CliError('missing --p1 <port> (e.g. /dev/ttyUSB0)');
  const id = checkMeterId(values.id);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  const baudRate = Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate < 300 || baudRate > 921_600) throw new CliError('--baud: 115200 (DSMR 4.x/5.x) or 9600 (DSMR 2.2/3.0)');
  const dataBits = Number(values['data-bits']);
  if (dataBits !== 7 && dataBits !== 8) throw new CliError('--data-bits: 8 (DSMR 4.x/5.x) or 7 (DSMR 2.2/3.0)');
  const parity = values.parity;
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') throw new CliError('--parity: none (DSMR 4.x/5.x), even (DSMR 2.2/3.0) or odd');

  const setup = await realMeterSetup(values);
  const { log } = setup;
  const { onRefused: _, ...device } = await setup.device(id, values.key, (why) => why);
  const meter = createP1Meter({
    ...device,
    onReading: (r) =>
      log(`${r.meterId}: reading F${r.pagination}: import ${r.importWh} Wh, export ${r.exportWh} Wh (P1 CRC ${r.telegram.crc}, meter time ${r.telegram.timestamp ?? 'none'}, equipment ${r.telegram.equipmentId ?? '?'})`),
  });
  meter.start();
  const serial = openP1Port({ path, baudRate, dataBits, parity, onData: (chunk) => meter.push(chunk), log });
  log(`P1 meter ${meter.meterId}: ${path} → ${setup.broker}`);

  await untilSignal();
  await serial.close();
  await meter.stop();
  const s = meter.stats();
  log(`stopped: telegrams ${s.telegrams}, refused ${s.refused}, readings ${s.readings}, acknowledged ${s.acked}, rejected ${s.rejected}, pending ${s.pending}`);
  return 0;
}
