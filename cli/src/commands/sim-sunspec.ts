// feedin sim --sunspec <host:port> --unit <n> --id <meterId> --key <file>
//            [--timeout-ms 500] [--poll <seconds>] [--every <seconds>] [--broker host:port] [--api <url>]
// A SunSpec inverter or meter over Modbus TCP as a feedin device: the SunSpec map is discovered
// (common model 1, inverter 101-103, meter 201-204), then the lifetime energy counters are read
// with their scale factors every --poll wall seconds and signed (docs/meters.md).
import { parseArgs } from 'node:util';
import { openModbusLink } from '@feedin/device-firmware-sim/modbus/modbus-link';
import { createRealMeterDevice } from '@feedin/device-firmware-sim/real-meter/real-meter-device';
import { createRegisterPoller } from '@feedin/device-firmware-sim/real-meter/register-poller';
import { createSunSpecReader } from '@feedin/device-firmware-sim/sunspec/read-sunspec';
import { CliError } from '../cli-error.js';
import { checkMeterId, realMeterSetup, untilSignal } from './sim-device.js';
import { pollMs, timeoutMs } from './sim-modbus.js';

export async function simSunspec(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sunspec: { type: 'string' },
      unit: { type: 'string', default: '1' },
      id: { type: 'string' },
      key: { type: 'string' },
      'timeout-ms': { type: 'string' },
      poll: { type: 'string' },
      every: { type: 'string' },
      broker: { type: 'string' },
      api: { type: 'string' },
    },
  });
  const m = /^([^:\s]+):(\d{1,5})$/.exec(values.sunspec ?? '');
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) throw new CliError('--sunspec <host:port>: the inverter or meter\'s Modbus TCP address, e.g. 192.168.1.50:502');
  const unit = Number(values.unit);
  if (!Number.isInteger(unit) || unit < 0 || unit > 255) throw new CliError('--unit: the SunSpec device\'s Modbus unit id, 0-255 (often 1, or 126 on some inverters)');
  const id = checkMeterId(values.id);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  const interval = pollMs(values.poll, 5);
  const timeout = timeoutMs(values['timeout-ms']);

  const setup = await realMeterSetup(values);
  const { log } = setup;
  const link = openModbusLink({ transport: { kind: 'tcp', host: m[1]!, port: Number(m[2]) }, timeoutMs: timeout, log });
  const reader = createSunSpecReader(link, unit, log);
  const name = `SunSpec unit ${unit} at ${link.name}`;
  const device = createRealMeterDevice(await setup.device(id, values.key, (why) => `${id}: ${name} reading refused: ${why}`));
  const poller = createRegisterPoller({
    name,
    device,
    read: () => reader.read(),
    pollMs: interval,
    log,
    onSigned: (r) => log(`${r.meterId}: reading F${r.pagination}: import ${r.importWh} Wh, export ${r.exportWh} Wh (${name}, model ${reader.device()?.energy.id ?? '?'})`),
  });
  log(`SunSpec device ${id}: ${name} → ${setup.broker}`);
  poller.start();

  await untilSignal();
  await poller.stop();
  await link.close();
  const s = poller.stats();
  log(`stopped: reads ${s.reads}, good ${s.good}, failures ${JSON.stringify(s.failures)}`);
  return 0;
}
