// docs/design.md §Meter id: 1-32 characters of [A-Za-z0-9._-]. The id is the OCMF `MS`, the
// MQTT client id, username and topic level, the serial line's id and a tag in the time-series
// store, so every part checks it with this one rule.

/** The rule as a regular-expression fragment, for patterns that embed a meter id; `\-` keeps it
 * valid in an HTML `pattern` too, which browsers compile with the `v` flag. */
export const METER_ID_SOURCE = '[A-Za-z0-9._\\-]{1,32}';

export const METER_ID_PATTERN = new RegExp(`^${METER_ID_SOURCE}$`);

/** The rule in words, for error messages. */
export const METER_ID_RULE = '1-32 characters of [A-Za-z0-9._-]';

export function isMeterId(value: unknown): value is string {
  return typeof value === 'string' && METER_ID_PATTERN.test(value);
}
