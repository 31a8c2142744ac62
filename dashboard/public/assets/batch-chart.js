// Energy (kWh) and amount per batch interval, as a uPlot chart with two y-axes. The chart is the
// one place amounts become floats: for drawing only; tables show the exact digits. uPlot is the
// vendored classic script (window.uPlot), copied from its npm package at build time. Axis and
// legend texts follow the page's language, times its locale and the sandbox's zone (./chart.js).
import { numberValues, timeAxis, timeLegend } from './chart.js';
import { toChartNumber } from './format.js';

export function createBatchChart(container, { token, loc }) {
  const { uPlot } = window;
  const { t } = loc;
  let plot;
  const options = (width) => ({
    width,
    height: 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), loc.timeZone),
    scales: { x: { time: true }, kWh: { auto: true }, amount: { auto: true } },
    series: [
      { label: t('chart.intervalStart'), value: timeLegend(loc) },
      { label: t('chart.exportKWh'), scale: 'kWh', stroke: '#2f7d32', fill: 'rgba(47,125,50,0.12)', width: 2, value: (_u, v) => (v == null ? '—' : loc.kWh(Math.round(v * 1000))) },
      { label: t('chart.amount'), scale: 'amount', stroke: '#1d4f91', width: 2, dash: [6, 3], value: (_u, v) => (v == null ? '—' : loc.money(BigInt(Math.round(v * 10 ** token.decimals)))) },
    ],
    axes: [
      timeAxis(loc),
      { scale: 'kWh', label: 'kWh', size: 60, values: numberValues(loc) },
      { scale: 'amount', side: 1, label: token.symbol, size: 70, grid: { show: false }, values: numberValues(loc) },
    ],
  });

  const width = () => Math.max(280, container.clientWidth);
  new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 })).observe(container);

  return {
    /** batches newest first, as GET /api/batches gives them */
    update(batches) {
      const live = batches.filter((b) => b.status !== 'rejected').sort((a, b) => a.intervalStartMs - b.intervalStartMs);
      const data = [
        live.map((b) => b.intervalStartMs / 1000),
        live.map((b) => toChartNumber(b.totalExportWh, 3)),
        live.map((b) => toChartNumber(b.totalAmount, token.decimals)),
      ];
      if (!plot) plot = new uPlot(options(width()), data, container);
      else plot.setData(data);
    },
  };
}
