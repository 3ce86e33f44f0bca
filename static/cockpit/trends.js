// The trends chart: the flows as bars per day / week / month, the stocks (tenants, registered houses) as lines on
// a second axis.
import { $, api, T } from './core.js';

const STOCKS = ['active_tenants', 'registered_houses'];

export async function trends(cockpit) {
  const { state } = cockpit;
  const t = await api('cockpit/trends', { region: cockpit.region(), from: state.from, to: state.to, bucket: $('#bucket').value });
  cockpit.charts.trends.setOption(
    {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 40, right: 50, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: t.buckets.map((b) => b.start) },
      yAxis: [
        { type: 'value', minInterval: 1 },
        { type: 'value', minInterval: 1, splitLine: { show: false } },
      ],
      series: Object.entries(t.series).map(([measure, values]) => ({
        name: T(`cockpit.measure.${measure}`),
        type: STOCKS.includes(measure) ? 'line' : 'bar',
        yAxisIndex: STOCKS.includes(measure) ? 1 : 0,
        smooth: true,
        data: values,
      })),
    },
    true,
  );
}
