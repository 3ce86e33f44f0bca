// The map: the region's grid polygons coloured by a measure, heat cells on top, the visit route over both, and an
// optional tile layer (tiles.js) under it. Coordinates go through cockpit.toMap (WGS84, or GCJ-02 over tiles).
import { $, api, T } from './core.js';

export async function map(cockpit) {
  const measure = $('#grid-measure').value;
  const heat = $('#heat-measure').value;
  const region = cockpit.region();
  const [grids, cells] = await Promise.all([
    api('cockpit/grids', { region, measure }),
    api('cockpit/heatmap', { region, measure: heat, cell: cellSize(cockpit.state.level) }),
  ]);
  $('#suppressed').textContent = cells.suppressed.cells ? T('cockpit.page.suppressed', cells.suppressed) : '';
  cockpit.mapDrawn = grids.features.length > 0; // the geo component exists: a route can be laid on it
  if (!cockpit.mapDrawn) {
    cockpit.charts.map.clear();
    return;
  }
  const key = `grids-${region || 'all'}-${cockpit.tiles ? 'gcj' : 'wgs'}`;
  echarts.registerMap(key, cockpit.toMap(grids));
  const points = cells.cells.map(([lon, lat, n]) => [...cockpit.toMap([lon, lat]), n]);
  cockpit.charts.map.setOption(mapOption(cockpit, key, grids, points, { measure, heat }), true);
  follow(cockpit, grids, points, cells.cell);
  cockpit.tiles?.draw();
}

// About a tenth of a region's width: ~5 km cells for a city, ~250 m for a township, ~50 m for a grid. From township
// up they are multiples of the aggregates' 0.0025° base cell (summed, not counted live).
const CELL_SIZES = { all: 0.05, province: 0.05, city: 0.05, county: 0.01, township: 0.0025, community: 0.001, grid: 0.0005 };

function cellSize(level) {
  return CELL_SIZES[level] ?? 0.005;
}

function mapOption(cockpit, key, grids, points, { measure, heat }) {
  const { tiles } = cockpit;
  const values = grids.features.map((f) => f.properties.value);
  const most = Math.max(1, ...points.map((p) => p[2]));
  return {
    tooltip: { trigger: 'item' },
    visualMap: [
      { min: 0, max: Math.max(1, ...values), seriesIndex: 0, calculable: true, left: 10, bottom: 10,
        inRange: { color: ['#eff6ff', '#1d4ed8'] } },
      { min: 0, max: most, seriesIndex: 1, show: false,
        inRange: { color: ['rgba(250, 204, 21, 0.5)', 'rgba(249, 115, 22, 0.8)', 'rgba(220, 38, 38, 0.95)'] } },
    ],
    geo: {
      map: key,
      roam: true,
      nameProperty: 'code',
      projection: tiles ? tiles.projection : undefined,
      itemStyle: { opacity: tiles ? 0.6 : 1, borderColor: '#334155' },
      label: { show: false },
    },
    series: [
      {
        id: 'grids',
        type: 'map',
        geoIndex: 0,
        name: T(`cockpit.measure.${measure}`),
        data: grids.features.map((f) => ({ name: f.properties.code, value: f.properties.value, grid: f.properties.name })),
        tooltip: { formatter: (p) => `${p.data?.grid ?? p.name}: ${p.value ?? 0}` },
      },
      { id: 'heat', type: 'heatmap', coordinateSystem: 'geo', name: T(`cockpit.measure.${heat}`), data: points, pointSize: 10, blurSize: 10 },
      ...routeSeries(cockpit),
    ],
  };
}

// Keep the heat points as wide as their cells while the map is zoomed and panned; a click on a grid drills down.
function follow(cockpit, grids, points, size) {
  const chart = cockpit.charts.map;
  const fit = () => {
    const [lon, lat] = points[0] ?? cockpit.toMap([0, 0]);
    const a = chart.convertToPixel({ geoIndex: 0 }, [lon, lat]);
    const b = chart.convertToPixel({ geoIndex: 0 }, [lon + size, lat]);
    const px = Math.max(4, Math.min(80, Math.abs(b[0] - a[0])));
    chart.setOption({ series: [{}, { pointSize: px, blurSize: px * 0.6 }] });
  };
  if (points.length) fit();
  chart.off('georoam');
  chart.on('georoam', () => {
    if (points.length) fit();
    cockpit.tiles?.draw();
  });
  chart.off('click');
  chart.on('click', (p) => {
    const feature = grids.features.find((f) => f.properties.code === p.name);
    if (p.seriesType === 'map' && feature && feature.properties.code !== cockpit.region()) {
      cockpit.drill(feature.properties.code, feature.properties.name);
    }
  });
}

// The walk from the start (the grid's centre) through the visit list's stops, numbered, on the grid map.
function routeSeries(cockpit) {
  const { route, toMap } = cockpit;
  if (!route?.stops.length) return [];
  const stops = route.stops.map((s) => [...toMap([s.lon, s.lat]), s.order]);
  const start = toMap([route.start.lon, route.start.lat]);
  return [
    {
      id: 'route',
      type: 'lines',
      coordinateSystem: 'geo',
      polyline: true,
      silent: true,
      name: T('cockpit.page.visit_route'),
      lineStyle: { color: '#0f172a', width: 2, opacity: 0.8, type: 'dashed' },
      data: [{ coords: [start, ...stops.map(([x, y]) => [x, y])] }],
    },
    {
      id: 'stops',
      type: 'scatter',
      coordinateSystem: 'geo',
      name: T('cockpit.page.visits'),
      symbolSize: 18,
      itemStyle: { color: '#0f172a' },
      label: { show: true, formatter: (p) => p.value[2], color: '#fff', fontSize: 10 },
      tooltip: { formatter: (p) => `${p.value[2]}. ${route.stops[p.dataIndex].house.address}` },
      data: stops,
    },
  ];
}

// The route of cockpit.route (or none) on the map drawn, its grids and heat cells kept.
export function drawRoute(cockpit) {
  if (!cockpit.mapDrawn) return;
  cockpit.charts.map.setOption({ series: [{ id: 'grids' }, { id: 'heat' }, ...routeSeries(cockpit)] }, { replaceMerge: ['series'] });
}
