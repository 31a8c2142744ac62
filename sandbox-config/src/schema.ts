// The one schema of a sandbox file (YAML or JSON). Every other part of feedin reads its
// settings through the `SandboxConfig` type inferred here; docs/config.md documents each field.
// Objects are strict so a typo is an error, not a silently ignored key. Checks that span several
// fields (references, overlaps, rpc/influx URLs) live in schema-checks.ts and run even when other
// fields are already wrong, so a file's every mistake is reported at once.
import { z } from 'zod';
import { checkSandboxConsistency } from './schema-checks.js';
import { isChecksumValid } from '@feedin/protocol/address';
import { METER_ID_PATTERN, METER_ID_RULE } from '@feedin/protocol/meter-id';

// OCMF MS / docs/design.md §Meter id: 1-32 characters of [A-Za-z0-9._-] (it is also an MQTT topic
// level).
const meterId = z
  .string()
  .regex(METER_ID_PATTERN, { error: (iss) => `a meter id is ${METER_ID_RULE}, got ${JSON.stringify(iss.input)}` });
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { error: (iss) => `an EVM address is 0x and 40 hex digits, got ${JSON.stringify(iss.input)}` })
  // EIP-55: mixed case is a checksum, so a mistyped digit is caught here rather than paid to.
  .refine(isChecksumValid, 'EIP-55 checksum mismatch: check the address for typos (or write it all lower case)');
/** ISO 8601 date (midnight UTC) or date-time with Z or an offset; a bare local time would be ambiguous. */
const isoTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/,
    'an ISO 8601 date (2026-01-01) or date-time with offset (2026-01-01T00:00:00+07:00)',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real calendar date');
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time HH:MM (00:00-23:59)');
/** Amounts in token base units: integers only (money is never fractional), as a YAML number up to
 * 2^53 or as a quoted decimal string of any size. */
const baseUnits = z
  .union([z.string(), z.number()], { error: 'an amount in token base units (integer)' })
  .transform((v, ctx) => {
    if (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 0 : /^\d{1,78}$/.test(v)) return BigInt(v);
    ctx.issues.push({
      code: 'custom',
      input: v,
      message:
        typeof v === 'number' && Number.isInteger(v) && v > 0
          ? `amount ${v} is above 2^53: write it as a quoted string`
          : `an amount in token base units must be a non-negative integer, got ${JSON.stringify(v)}`,
    });
    return z.NEVER;
  });
const percent = z.number().int().min(0).max(1000);
const port = z.number().int().min(0).max(65535);
const probability = z.number().min(0).max(1);

/** A secret comes from an environment variable, else a file (relative to the config file), else
 * `sandboxTestValue`, which is only for throwaway values that are public by design (anvil's
 * well-known accounts, demo tokens). Resolution: secrets.ts. */
const secret = z
  .strictObject({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
    file: z.string().min(1).optional(),
    sandboxTestValue: z.string().min(1).optional(),
  })
  .refine((s) => s.env || s.file || s.sandboxTestValue, 'give env, file or sandboxTestValue');

const touBand = z.strictObject({
  /** local time (sandbox time zone) the band starts, inclusive */
  from: localTime,
  /** local time the band ends, exclusive; earlier than `from` wraps over midnight */
  to: localTime,
  pricePerKWh: baseUnits,
});

const tariffPeriod = z.strictObject({
  validFrom: isoTime,
  /** exclusive; omitted = open-ended */
  validTo: isoTime.optional(),
  /** price in token base units per kWh exported */
  pricePerKWh: baseUnits,
  /** optional time-of-use bands (sandbox time zone); outside every band `pricePerKWh` applies */
  timeOfUse: z.array(touBand).default([]),
});

const tariff = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  periods: z.array(tariffPeriod).min(1),
});

const household = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  payee: address,
  /** dashboard token of this household (sandbox test value or secret) */
  token: secret.optional(),
});

const meter = z.strictObject({
  id: meterId,
  household: z.string().min(1),
  /** installed PV capacity in watts (plausibility and export caps scale with it) */
  capacityW: z.number().int('capacity in whole watts').positive('capacity must be more than 0 W'),
  tariff: z.string().min(1),
});

export const sandboxConfigSchema = z
  .strictObject({
    /** lets editors find sandbox.schema.json; ignored by feedin */
    $schema: z.string().optional(),
    sandbox: z.strictObject({
      id: z.string().regex(/^[a-z0-9-]{1,40}$/, 'a sandbox id: 1-40 characters of [a-z0-9-]'),
      name: z.string().min(1),
      /** IANA time zone, e.g. Asia/Ho_Chi_Minh */
      timeZone: z.string().min(1),
      /** fixed UTC offset of the time zone in minutes, used for OCMF TM strings and local days */
      utcOffsetMinutes: z.number().int().min(-720).max(840),
      /** BCP 47 locale (vi-VN): default language of the pages and CLI, number and date formats.
       * Omitted: derived from the time zone (presentation.ts). */
      locale: z
        .string()
        .refine((l) => {
          try {
            return Intl.getCanonicalLocales(l).length === 1;
          } catch {
            return false;
          }
        }, 'a BCP 47 locale such as vi-VN or en-GB')
        .optional(),
      /** ISO 4217 currency the sandbox token stands for, 1 token = 1 unit (VND). Omitted: from
       * the token symbol (sVND → VND) when that is a currency, else amounts show the symbol. */
      currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as VND').optional(),
      start: isoTime,
      end: isoTime,
    }),
    interval: z
      .strictObject({
        /** interval length, aligned to UTC; a divisor of 60 so intervals tile every hour */
        minutes: z
          .number()
          .int()
          .refine((m) => m >= 1 && 60 % m === 0, 'a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)')
          .default(15),
        /** sandbox seconds to wait after an interval closes before its batch is built */
        graceSeconds: z.number().int().min(0).default(120),
      })
      .default({ minutes: 15, graceSeconds: 120 }),
    tariffs: z.array(tariff).min(1),
    limits: z
      .strictObject({
        /** export paid per interval ≤ this share of installed capacity × interval (Vietnam Decree 135/2024: 20 %) */
        exportCapPercentOfCapacity: z.number().int().min(0).max(100).optional(),
        householdDailyCap: baseUnits.optional(),
        /** the rule the caps follow, named to a household beside a capped claim ("Decree 135/2024/ND-CP") */
        legalBasis: z.string().min(1).max(200).optional(),
        batchCap: baseUnits.optional(),
        budget: baseUnits.optional(),
        /** when given, only these meters are paid; others keep their evidence with amount 0 (flag not-allowlisted) */
        meterAllowlist: z.array(meterId).optional(),
        /** when given, only these households' meters are paid (flag not-allowlisted otherwise) */
        householdAllowlist: z.array(z.string().min(1)).optional(),
        /** a reading's TM may be at most this far from the gateway's sandbox clock */
        clockSkewSeconds: z.number().int().min(0).default(120),
        /** plausibility: export between readings ≤ capacity × elapsed × margin% */
        plausibilityMarginPercent: percent.default(120),
        /** on-chain challenge window in chain (wall-clock) seconds */
        challengeWindowSeconds: z.number().int().min(0).default(20),
      })
      .default({ clockSkewSeconds: 120, plausibilityMarginPercent: 120, challengeWindowSeconds: 20 }),
    participants: z.strictObject({
      regulator: z.strictObject({ name: z.string().min(1), token: secret.optional() }),
      operator: z.strictObject({ name: z.string().min(1), token: secret.optional() }),
      households: z.array(household).min(1),
    }),
    meters: z.array(meter).min(1),
    chain: z.strictObject({
      mode: z.enum(['embedded', 'rpc']).default('embedded'),
      /** required when mode is rpc (e.g. a Besu QBFT node) */
      rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: 'an http(s) or ws(s) URL' }).optional(),
      chainId: z.number().int().positive().default(31337),
      /** embedded anvil: seconds per block */
      blockTimeSeconds: z.number().int().min(1).default(1),
      token: z
        .strictObject({
          name: z.string().min(1).default('Sandbox Dong'),
          symbol: z.string().min(1).default('sVND'),
          decimals: z.number().int().min(0).max(18).default(0),
          /** minted into the escrow at deployment (embedded chain only) */
          initialEscrow: baseUnits.default(1_000_000_000n),
        })
        .default({ name: 'Sandbox Dong', symbol: 'sVND', decimals: 0, initialEscrow: 1_000_000_000n }),
      keys: z.strictObject({
        deployer: secret,
        gateway: secret,
        regulator: secret,
        operator: secret,
      }),
      /** mode rpc: start even though a key is one of anvil's public, well-known test keys
       * (refused otherwise: anyone could sign with them on a chain that is not a local sandbox) */
      allowPublicSandboxKeys: z.boolean().default(false),
    }),
    storage: z
      .strictObject({
        kind: z.enum(['embedded', 'influxdb']).default('embedded'),
        /** required when kind is influxdb (InfluxDB 1.x HTTP API) */
        url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
        /** InfluxDB database name */
        database: z.string().min(1).default('feedin'),
      })
      .default({ kind: 'embedded', database: 'feedin' }),
    gateway: z
      .strictObject({
        /** the shard this gateway settles (issue #13): its own batch sequence on chain, only the
         * meters the registry assigns to it, and in durability mode jetstream its stream and lease;
         * 0 for a single gateway */
        shard: z.number().int().min(0).max(0xffff_ffff).default(0),
      })
      .default({ shard: 0 }),
    /** where a reading is durable before its PUBACK (docs/durability.md) */
    durability: z
      .strictObject({
        /** sqlite: the embedded store's fsync. jetstream: a replicated NATS JetStream log */
        mode: z.enum(['sqlite', 'jetstream']).default('sqlite'),
        /** NATS URLs of an existing cluster; empty: `feedin up` starts 3 nodes on loopback */
        servers: z.array(z.url({ protocol: /^nats$/, error: 'a nats:// URL' })).default([]),
        /** client ports of the 3 loopback nodes `feedin up` starts (cluster ports are these + 2000) */
        localPorts: z.array(port).length(3).default([4222, 4223, 4224]),
        replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(3),
        /** how long one renewal holds the shard's lease; a standby takes over after it expires */
        leaseSeconds: z.number().int().min(2).max(60).default(10),
      })
      .default({ mode: 'sqlite', servers: [], localPorts: [4222, 4223, 4224], replicas: 3, leaseSeconds: 10 }),
    mqtt: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(1883),
        maxPayloadBytes: z.number().int().min(256).max(65536).default(4096),
        /** lifetime a device gives its JWT; the gateway refuses longer ones (each is used once) */
        jwtMaxLifetimeSeconds: z.number().int().positive().max(86_400).default(300),
        /** a socket that sends no CONNECT within this is cut */
        connectTimeoutSeconds: z.number().int().min(1).max(300).default(10),
        /** at most this many sockets waiting to log in; more are refused at once */
        maxUnauthenticatedConnections: z.number().int().min(1).default(1000),
        /** MQTT over TLS (MQTT 3.1.1 §5.4) with the sandbox CA made in the data dir at first start */
        tls: z
          .strictObject({
            enabled: z.boolean().default(true),
            port: port.default(8883),
            /** names and addresses the server certificate covers besides localhost, 127.0.0.1 and ::1 */
            hostnames: z.array(z.string().min(1)).default([]),
          })
          .default({ enabled: true, port: 8883, hostnames: [] }),
      })
      .default({
        host: '127.0.0.1',
        port: 1883,
        maxPayloadBytes: 4096,
        jwtMaxLifetimeSeconds: 300,
        connectTimeoutSeconds: 10,
        maxUnauthenticatedConnections: 1000,
        tls: { enabled: true, port: 8883, hostnames: [] },
      }),
    serial: z
      .strictObject({
        ports: z
          .array(
            z.strictObject({
              path: z.string().min(1),
              baudRate: z.number().int().positive().default(115200),
              // 8N1 by default (docs/design.md §Serial); 7E1 lines exist (DSMR 2.2/3 P1 ports)
              dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).default(8),
              parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
              stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).default(1),
            }),
          )
          .default([]),
      })
      .default({ ports: [] }),
    dashboard: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8080),
        /** express `trust proxy` behind a TLS-terminating proxy (X-Forwarded-Proto makes the
         * session cookie Secure): false, true, a hop count, or the proxies' addresses/subnets */
        trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string().min(1)]).default(false),
      })
      .default({ host: '127.0.0.1', port: 8080, trustProxy: false }),
    simulation: z.strictObject({
      enabled: z.boolean().default(true),
      /** where the PV model puts the sun */
      location: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }),
      clock: z
        .strictObject({
          /** sandbox seconds per wall-clock second */
          speed: z.number().int().min(1).max(3600).default(60),
          /** local time of day (sandbox time zone) at which a new sandbox clock starts */
          startLocalTime: localTime.default('09:59'),
        })
        .default({ speed: 60, startLocalTime: '09:59' }),
      /** sandbox seconds between two readings of a meter, aligned to the clock */
      readingIntervalSeconds: z.number().int().min(1).default(60),
      /** 0..1 probabilities per reading (dropConnection) and sky cover (cloudiness) */
      faults: z
        .strictObject({
          dropConnection: probability.default(0),
          cloudiness: probability.default(0.3),
        })
        .default({ dropConnection: 0, cloudiness: 0.3 }),
      seed: z.number().int().default(1),
      /** the embedded fleet logs in over MQTT-over-TLS (mqtt.tls), trusting the sandbox CA */
      mqttTls: z.boolean().default(false),
    }),
  })
  // Cross-field checks also run when fields already failed (`when`), so all mistakes show at once.
  .superRefine(checkSandboxConsistency, { when: () => true });

export type SandboxConfig = z.output<typeof sandboxConfigSchema>;
export type SandboxConfigInput = z.input<typeof sandboxConfigSchema>;
export type Secret = z.output<typeof secret>;
export type TariffConfig = z.output<typeof tariff>;
export type TariffPeriodConfig = z.output<typeof tariffPeriod>;
export type TimeOfUseBand = z.output<typeof touBand>;
export type MeterConfig = z.output<typeof meter>;
export type HouseholdConfig = z.output<typeof household>;
