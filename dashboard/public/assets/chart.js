// A small wrapper over uPlot (vendored at build time into /vendor, loaded as a classic script
// that defines window.uPlot): time on x, one or two y scales, resized with its box. Charts are
// the one place integers become floats, for drawing only; tables show the exact digits.
export function createTimeChart(container, { timeZone, series, height = 220 }) {
  const { uPlot } = window;
  let plot;
  const scales = { x: { time: true } };
  const axes = [{}];
  series.forEach((s, i) => {
    if (scales[s.scale]) return;
    scales[s.scale] = { auto: true };
    axes.push({ scale: s.scale, label: s.unit, size: 64, side: i === 0 ? 3 : 1, grid: { show: i === 0 } });
  });
  const options = (width) => ({
    width,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), timeZone),
    scales,
    series: [{ label: 'Time' }, ...series.map((s) => ({ width: 2, ...s, value: (_u, v) => (v == null ? '—' : v.toFixed(s.digits ?? 3)) }))],
    axes,
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
