// The one schema of a sandbox file (YAML or JSON). Every other part of feedin reads its
// settings through the `SandboxConfig` type inferred here; docs/config.md documents each field.
// Amounts are decimal strings of integers (token base units) so YAML never turns them into floats.
import { z } from 'zod';

const meterId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'meter id: 1-32 characters of [A-Za-z0-9._-]');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an EVM address (0x + 40 hex digits)');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date-time with offset');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM');
const baseUnits = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v))
  .refine((s) => /^\d+$/.test(s), 'a non-negative integer amount in token base units')
  .transform((s) => BigInt(s));
const percent = z.number().int().min(0).max(1000);
const port = z.number().int().min(0).max(65535);

/** A secret comes from a file or an environment variable; `sandboxTestValue` is allowed only for
 * throwaway sandbox test keys that are public by design (e.g. anvil's well-known accounts). */
const secret = z
  .object({
    env: z.string().optional(),
    file: z.string().optional(),
    sandboxTestValue: z.string().optional(),
  })
  .refine((s) => s.env || s.file || s.sandboxTestValue, 'give env, file or sandboxTestValue');

const touBand = z.object({
  from: localTime,
  to: localTime,
  pricePerKWh: baseUnits,
});

const tariffPeriod = z.object({
  validFrom: isoTime,
  validTo: isoTime.optional(),
  /** price in token base units per kWh exported */
  pricePerKWh: baseUnits,
  /** optional time-of-use bands (sandbox time zone); outside every band `pricePerKWh` applies */
  timeOfUse: z.array(touBand).default([]),
});

const tariff = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  periods: z.array(tariffPeriod).min(1),
});

const household = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  payee: address,
  /** dashboard token of this household (sandbox test value or secret) */
  token: secret.optional(),
});

const meter = z.object({
  id: meterId,
  household: z.string().min(1),
  capacityW: z.number().int().positive(),
  tariff: z.string().min(1),
});

export const sandboxConfigSchema = z
  .object({
    sandbox: z.object({
      id: z.string().regex(/^[a-z0-9-]{1,40}$/),
      name: z.string().min(1),
      timeZone: z.string().min(1),
      /** fixed UTC offset of the time zone in minutes, used for OCMF TM strings */
      utcOffsetMinutes: z.number().int().min(-720).max(840),
      start: isoTime,
      end: isoTime,
    }),
    interval: z
      .object({
        minutes: z.number().int().min(1).max(60).default(15),
        /** sandbox seconds to wait after an interval closes before its batch is built */
        graceSeconds: z.number().int().min(0).default(120),
      })
      .default({ minutes: 15, graceSeconds: 120 }),
    tariffs: z.array(tariff).min(1),
    limits: z
      .object({
        /** export paid per interval ≤ this share of installed capacity (Vietnam Decree 135/2024: 20 %) */
        exportCapPercentOfCapacity: percent.optional(),
        householdDailyCap: baseUnits.optional(),
        batchCap: baseUnits.optional(),
        budget: baseUnits.optional(),
        /** a reading's TM may be at most this far ahead of the gateway's sandbox clock */
        clockSkewSeconds: z.number().int().min(0).default(120),
        /** plausibility: export between readings ≤ capacity × elapsed × margin% */
        plausibilityMarginPercent: percent.default(120),
        /** on-chain challenge window in chain (wall-clock) seconds */
        challengeWindowSeconds: z.number().int().min(0).default(20),
      })
      .default({ clockSkewSeconds: 120, plausibilityMarginPercent: 120, challengeWindowSeconds: 20 }),
    participants: z.object({
      regulator: z.object({ name: z.string().min(1), token: secret.optional() }),
      operator: z.object({ name: z.string().min(1), token: secret.optional() }),
      households: z.array(household).min(1),
    }),
    meters: z.array(meter).min(1),
    chain: z
      .object({
        mode: z.enum(['embedded', 'rpc']).default('embedded'),
        rpcUrl: z.string().url().optional(),
        chainId: z.number().int().positive().default(31337),
        /** embedded anvil: seconds per block */
        blockTimeSeconds: z.number().int().min(1).default(1),
        token: z
          .object({
            name: z.string().default('Sandbox Dong'),
            symbol: z.string().default('sVND'),
            decimals: z.number().int().min(0).max(18).default(0),
            /** minted into the escrow at deployment (embedded chain only) */
            initialEscrow: baseUnits.default(1_000_000_000),
          })
          .default({ name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000_000n }),
        keys: z.object({
          deployer: secret,
          gateway: secret,
          regulator: secret,
          operator: secret,
        }),
      })
      .refine((c) => c.mode === 'embedded' || c.rpcUrl, { message: 'rpcUrl is required when mode is rpc', path: ['rpcUrl'] }),
    storage: z
      .object({
        kind: z.enum(['embedded', 'influxdb']).default('embedded'),
        url: z.string().url().optional(),
      })
      .default({ kind: 'embedded' }),
    mqtt: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.default(1883),
        maxPayloadBytes: z.number().int().min(256).max(65536).default(4096),
        /** lifetime a device gives its JWT; the gateway refuses longer ones */
        jwtMaxLifetimeSeconds: z.number().int().positive().default(3600),
      })
      .default({ host: '127.0.0.1', port: 1883, maxPayloadBytes: 4096, jwtMaxLifetimeSeconds: 3600 }),
    serial: z
      .object({
        ports: z.array(z.object({ path: z.string().min(1), baudRate: z.number().int().positive().default(115200) })).default([]),
      })
      .default({ ports: [] }),
    dashboard: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: port.default(8080),
      })
      .default({ host: '127.0.0.1', port: 8080 }),
    simulation: z
      .object({
        enabled: z.boolean().default(true),
        location: z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }),
        clock: z
          .object({
            /** sandbox seconds per wall-clock second */
            speed: z.number().int().min(1).max(3600).default(60),
            /** local time of day (sandbox time zone) at which a new sandbox clock starts */
            startLocalTime: localTime.default('09:59'),
          })
          .default({ speed: 60, startLocalTime: '09:59' }),
        /** sandbox seconds between two readings of a meter, aligned to the clock */
        readingIntervalSeconds: z.number().int().min(1).default(60),
        /** 0..1 probabilities per reading */
        faults: z
          .object({
            dropConnection: z.number().min(0).max(1).default(0),
            cloudiness: z.number().min(0).max(1).default(0.3),
          })
          .default({ dropConnection: 0, cloudiness: 0.3 }),
        seed: z.number().int().default(1),
      }),
  })
  .superRefine((c, ctx) => {
    const households = new Set(c.participants.households.map((h) => h.id));
    const tariffs = new Set(c.tariffs.map((t) => t.id));
    const seen = new Set<string>();
    c.meters.forEach((m, i) => {
      if (seen.has(m.id)) ctx.addIssue({ code: 'custom', path: ['meters', i, 'id'], message: `duplicate meter id ${m.id}` });
      seen.add(m.id);
      if (!households.has(m.household))
        ctx.addIssue({ code: 'custom', path: ['meters', i, 'household'], message: `unknown household ${m.household}` });
      if (!tariffs.has(m.tariff)) ctx.addIssue({ code: 'custom', path: ['meters', i, 'tariff'], message: `unknown tariff ${m.tariff}` });
    });
    if (Date.parse(c.sandbox.end) <= Date.parse(c.sandbox.start))
      ctx.addIssue({ code: 'custom', path: ['sandbox', 'end'], message: 'end must be after start' });
  });

export type SandboxConfig = z.output<typeof sandboxConfigSchema>;
export type SandboxConfigInput = z.input<typeof sandboxConfigSchema>;
export type Secret = z.output<typeof secret>;
export type TariffConfig = z.output<typeof tariff>;
export type MeterConfig = z.output<typeof meter>;
export type HouseholdConfig = z.output<typeof household>;
