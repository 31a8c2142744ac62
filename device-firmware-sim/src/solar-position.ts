// Where the sun is, for the PV model: NOAA's general solar position equations (Spencer 1971
// Fourier series for declination and the equation of time), accurate to a fraction of a degree,
// which is far below what a clear-sky irradiance model can tell apart.
const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;

export interface SolarPosition {
  /** solar declination, radians */
  declination: number;
  /** hour angle, degrees (0 at local solar noon, negative in the morning) */
  hourAngleDeg: number;
  /** cosine of the solar zenith angle; ≤ 0 when the sun is below the horizon */
  cosZenith: number;
  /** elevation above the horizon, degrees */
  elevationDeg: number;
}

export function solarPosition(timeMs: number, latitudeDeg: number, longitudeDeg: number): SolarPosition {
  const date = new Date(timeMs);
  const yearStartMs = Date.UTC(date.getUTCFullYear(), 0, 1);
  const dayOfYear = Math.floor((timeMs - yearStartMs) / DAY_MS) + 1;
  const utcMinutes = (timeMs - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())) / 60_000;
  // NOAA: fractional year γ in radians
  const g = ((2 * Math.PI) / 365) * (dayOfYear - 1 + (utcMinutes / 60 - 12) / 24);
  const eqTimeMin =
    229.18 * (0.000075 + 0.001868 * Math.cos(g) - 0.032077 * Math.sin(g) - 0.014615 * Math.cos(2 * g) - 0.040849 * Math.sin(2 * g));
  const declination =
    0.006918 -
    0.399912 * Math.cos(g) +
    0.070257 * Math.sin(g) -
    0.006758 * Math.cos(2 * g) +
    0.000907 * Math.sin(2 * g) -
    0.002697 * Math.cos(3 * g) +
    0.00148 * Math.sin(3 * g);
  const trueSolarMin = utcMinutes + eqTimeMin + 4 * longitudeDeg;
  const hourAngleDeg = (((trueSolarMin / 4 - 180) % 360) + 540) % 360 - 180;
  const lat = latitudeDeg * DEG;
  const cosZenith = Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngleDeg * DEG);
  const elevationDeg = 90 - Math.acos(Math.max(-1, Math.min(1, cosZenith))) / DEG;
  return { declination, hourAngleDeg, cosZenith, elevationDeg };
}

/** Haurwitz (1945) clear-sky global horizontal irradiance, W/m²; 0 with the sun down. */
export function clearSkyGhi(cosZenith: number): number {
  return cosZenith > 0 ? 1098 * cosZenith * Math.exp(-0.057 / cosZenith) : 0;
}
