// Checks that span fields: references between sections, uniqueness, overlaps, and settings that
// depend on a mode. They read the value defensively (as `unknown`) because they also run when
// other fields of the file are already invalid, so that every mistake is reported in one pass.
interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const time = (v: unknown): number | undefined => {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
};
const minuteOfDay = (v: unknown): number | undefined => {
  const m = typeof v === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(v) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
};

export function checkSandboxConsistency(value: unknown, ctx: IssueSink): void {
  const config = rec(value);
  if (!config) return;
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  const households = uniqueIds(list(rec(config.participants)?.households), ['participants', 'households'], 'household', issue);
  const tariffs = uniqueIds(list(config.tariffs), ['tariffs'], 'tariff', issue);
  uniqueIds(list(config.meters), ['meters'], 'meter', issue);
  list(config.meters).forEach((m, i) => {
    const household = str(rec(m)?.household);
    if (household !== undefined && !households.has(household)) issue(['meters', i, 'household'], `unknown household "${household}"`);
    const tariff = str(rec(m)?.tariff);
    if (tariff !== undefined && !tariffs.has(tariff)) issue(['meters', i, 'tariff'], `unknown tariff "${tariff}"`);
  });

  checkSandboxTimes(rec(config.sandbox), issue);
  list(config.tariffs).forEach((t, i) => checkTariff(rec(t), ['tariffs', i], issue));

  const chain = rec(config.chain);
  if (chain?.mode === 'rpc' && chain.rpcUrl === undefined) issue(['chain', 'rpcUrl'], 'required when chain.mode is rpc');
  const storage = rec(config.storage);
  if (storage?.kind === 'influxdb' && storage.url === undefined) issue(['storage', 'url'], 'required when storage.kind is influxdb');
  const mqttPort = rec(config.mqtt)?.port ?? 1883;
  const httpPort = rec(config.dashboard)?.port ?? 8080;
  if (mqttPort === httpPort && mqttPort !== 0) issue(['dashboard', 'port'], `port ${String(httpPort)} is also mqtt.port`);
}

function uniqueIds(items: unknown[], path: (string | number)[], what: string, issue: (p: (string | number)[], m: string) => void): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const id = str(rec(item)?.id);
    if (id === undefined) return;
    if (seen.has(id)) issue([...path, i, 'id'], `duplicate ${what} id "${id}"`);
    seen.add(id);
  });
  return seen;
}

function checkSandboxTimes(sandbox: Rec | undefined, issue: (p: (string | number)[], m: string) => void): void {
  if (!sandbox) return;
  const start = time(sandbox.start);
  const end = time(sandbox.end);
  if (start !== undefined && end !== undefined && end <= start) issue(['sandbox', 'end'], 'end must be after start');
  const zone = str(sandbox.timeZone);
  if (!zone) return;
  const offset = zoneOffsetMinutes(zone, start ?? 0);
  if (offset === undefined) issue(['sandbox', 'timeZone'], `unknown IANA time zone "${zone}"`);
  // The sandbox uses one fixed offset (OCMF TM strings, local days); it must be the zone's real one.
  else if (typeof sandbox.utcOffsetMinutes === 'number' && sandbox.utcOffsetMinutes !== offset)
    issue(['sandbox', 'utcOffsetMinutes'], `${sandbox.utcOffsetMinutes} does not match ${zone}, which is ${offset} at sandbox.start`);
}

function zoneOffsetMinutes(timeZone: string, atMs: number): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(atMs);
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
    if (!m) return undefined;
    return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  } catch {
    return undefined; // RangeError: not a time zone this runtime knows
  }
}

function checkTariff(tariff: Rec | undefined, path: (string | number)[], issue: (p: (string | number)[], m: string) => void): void {
  const spans: { from: number; to: number }[] = [];
  list(tariff?.periods).forEach((p, i) => {
    const period = rec(p);
    const from = time(period?.validFrom);
    const to = period?.validTo === undefined ? Infinity : time(period.validTo);
    if (from === undefined || to === undefined) return;
    if (to <= from) return issue([...path, 'periods', i, 'validTo'], 'validTo must be after validFrom');
    // A past interval keeps the price valid then, so at most one period may be valid at any instant.
    const clash = spans.findIndex((s) => from < s.to && s.from < to);
    if (clash >= 0) issue([...path, 'periods', i], `overlaps periods[${clash}]`);
    spans.push({ from, to });
    checkBands(list(period?.timeOfUse), [...path, 'periods', i, 'timeOfUse'], issue);
  });
}

function checkBands(bands: unknown[], path: (string | number)[], issue: (p: (string | number)[], m: string) => void): void {
  const owner = new Array<number | undefined>(1440);
  bands.forEach((b, i) => {
    const from = minuteOfDay(rec(b)?.from);
    const to = minuteOfDay(rec(b)?.to);
    if (from === undefined || to === undefined) return;
    if (from === to) return issue([...path, i, 'to'], 'a band needs from ≠ to (a whole-day price is the period price)');
    for (let m = from; m !== to; m = (m + 1) % 1440) {
      const other = owner[m];
      if (other !== undefined) return issue([...path, i], `overlaps timeOfUse[${other}]`);
      owner[m] = i;
    }
  });
}
