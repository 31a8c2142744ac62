// A small wrapper over uPlot (vendored at build time into /vendor, loaded as a classic script
// that defines window.uPlot): time on x, one or two y scales, resized with its box. Charts are
// the one place integers become floats, for drawing only; tables show the exact digits. The time
// axis is labelled in the page's locale and the sandbox's zone (not uPlot's English month names).

const DAY_S = 86_400;

/** x-axis ticks: days beyond two days, times of day within, with seconds when ticks are less
 * than a minute apart (Intl, the page's locale and the sandbox's zone). */
export function timeAxis(loc) {
  return {
    values: (_u, splits) => {
      const spanS = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
      const stepS = splits.length > 1 ? splits[1] - splits[0] : Infinity;
      return splits.map((s) => (spanS > 2 * DAY_S ? loc.day(s * 1000) : loc.clock(s * 1000, { seconds: stepS < 60 })));
    },
    size: 40,
  };
}

/** y-axis ticks as numbers of the page's locale (uPlot's own are English: "3,000" on a
 * Vietnamese page would read as three). */
export function numberValues(loc) {
  const format = new Intl.NumberFormat(loc.locale, { maximumFractionDigits: 3 });
  return (_u, splits) => splits.map((v) => (v == null ? '' : format.format(v)));
}

/** The legend's time: the full sandbox-local time. */
export function timeLegend(loc) {
  return (_u, ts) => (ts == null ? '—' : loc.time(ts * 1000));
}

/** A y range from zero to a little above the largest value: amounts and energy are never
 * negative here, and an axis that starts at the smallest value turns a 1-₫ rounding step
 * (the carried remainder, docs/design.md "Claims, batches and settlement") into a zigzag. */
export function rangeFromZero(_u, _min, max) {
  return [0, max > 0 ? max * 1.1 : 1];
}

export function createTimeChart(container, { loc, series, height = 220, fromZero = false }) {
  const { uPlot } = window;
  let plot;
  const scales = { x: { time: true } };
  const axes = [timeAxis(loc)];
  series.forEach((s, i) => {
    if (scales[s.scale]) return;
    scales[s.scale] = fromZero ? { auto: true, range: rangeFromZero } : { auto: true };
    axes.push({ scale: s.scale, label: s.unit, size: 64, side: i === 0 ? 3 : 1, grid: { show: i === 0 }, values: numberValues(loc) });
  });
  const options = (width) => ({
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), loc.timeZone),
    scales,
    series: [
      { label: loc.t('chart.time'), value: timeLegend(loc) },
      ...series.map((s) => ({ width: 2, ...s, value: s.value ?? ((_u, v) => (v == null ? '—' : new Intl.NumberFormat(loc.locale, { maximumFractionDigits: s.digits ?? 3, minimumFractionDigits: s.digits ?? 3 }).format(v))) })),
    ],
    axes,
    // The drawn y ranges, for readers of the DOM (the browser tests check that axes start at 0).
    hooks: { draw: [(u) => (container.dataset.yRanges = JSON.stringify(Object.fromEntries(Object.keys(scales).filter((k) => k !== 'x').map((k) => [k, [u.scales[k].min, u.scales[k].max]]))))] },
  });
  const width = () => Math.max(260, container.clientWidth);
  new ResizeObserver(() => plot?.setSize({ width: width(), height })).observe(container);
  return {
    /** data: [xs (epoch ms), ...ys], each an array of the same length */
    update([xsMs, ...ys]) {
      const data = [xsMs.map((ms) => ms / 1000), ...ys];
      if (!plot) plot = new uPlot(options(width()), data, container);
      else plot.setData(data);
    },
  };
}
