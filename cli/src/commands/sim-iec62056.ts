// feedin sim --iec62056 <port> --id <meterId> --key <file> [--address <device address>]
//            [--poll <seconds>] [--every <seconds>] [--broker host:port] [--api <url>]
// A utility meter read through its optical port (IEC 62056-21 mode C, an optical probe on a USB
// serial adapter) as a feedin device: each --poll wall seconds a data readout — sign-on at
// 300 baud 7E1, identification, baud switch by the acknowledgement, data block with its BCC
// checked — and OBIS 1.8.0 / 2.8.0 (or the tariffs 1.8.1/1.8.2 …) are signed (docs/meters.md).
import { parseArgs } from 'node:util';
import { createIec62056Reader } from '@feedin/device-firmware-sim/iec62056/iec62056-reader';
import { createRealMeterDevice } from '@feedin/device-firmware-sim/real-meter/real-meter-device';
import { createRegisterPoller } from '@feedin/device-firmware-sim/real-meter/register-poller';
import { CliError } from '../cli-error.js';
import { checkMeterId, realMeterSetup, untilSignal } from './sim-device.js';
import { pollMs } from './sim-modbus.js';

export async function simIec62056(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      iec62056: { type: 'string' },
      id: { type: 'string' },
      key: { type: 'string' },
      address: { type: 'string', default: '' },
      poll: { type: 'string' },
      every: { type: 'string' },
      broker: { type: 'string' },
      api: { type: 'string' },
    },
  });
  const path = values.iec62056;
  if (!path) throw new CliError('missing --iec62056 <port> (the optical probe, e.g. /dev/ttyUSB0)');
  const id = checkMeterId(values.id);
  if (!values.key) throw new CliError('missing --key <file> (the device private key file from feedin meter keygen)');
  if (!/^[0-9A-Za-z ]{0,32}$/.test(values.address)) throw new CliError('--address: the meter\'s device address, up to 32 characters of 0-9 A-Z a-z (IEC 62056-21 §6.3.1); omit it for the meter at the probe');
  const interval = pollMs(values.poll, 60);

  const setup = await realMeterSetup(values);
  const { log } = setup;
  const reader = createIec62056Reader({ path, deviceAddress: values.address, log });
  const name = `IEC 62056-21 meter at ${path}`;
  const device = createRealMeterDevice(await setup.device(id, values.key, (why) => `${id}: ${name} reading refused: ${why}`));
  const poller = createRegisterPoller({
    name,
    device,
    read: () => reader.read(),
    pollMs: interval,
    log,
    onSigned: (r, registers) => log(`${r.meterId}: reading F${r.pagination}: import ${r.importWh} Wh, export ${r.exportWh} Wh (${registers.vendor.MV} ${registers.vendor.MM}, mode C)`),
  });
  log(`IEC 62056-21 meter ${id}: ${path} → ${setup.broker}`);
  poller.start();

  await untilSignal();
  await poller.stop();
  await reader.close();
  const s = poller.stats();
  log(`stopped: readouts ${s.reads}, good ${s.good}, failures ${JSON.stringify(s.failures)}`);
  return 0;
}
