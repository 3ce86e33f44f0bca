// The cockpit page: summary with drill-down, trends, grid choropleth + heat cells, alerts, visit list, exports.
// Every number comes from /api/v1/cockpit/* (the same JSON any client gets); every text from the page's config,
// which the server fills from backend/translations. No CDN, no tile server unless one is configured.
const config = JSON.parse(document.getElementById('cockpit-config').textContent);
const T = (key, params = {}) =>
  (config.texts[key] ?? key).replace(/\{(\w+)\}/g, (m, name) => (name in params ? params[name] : m));
const $ = (sel) => document.querySelector(sel);
const status = (text) => { $('#status').textContent = text || ''; };

async function api(path, params = {}, options = {}) {
  const query = new URLSearchParams({ ...params, lang: config.lang });
  for (const [k, v] of [...query]) if (v === '' || v == null) query.delete(k);
  const response = await fetch(`/api/v1/${path}?${query}`, { credentials: 'same-origin', ...options });
  const body = await response.json().catch(() => null);
  if (!response.ok || body === null) throw new Error(body?.error?.message || `HTTP ${response.status}`);
  return body;
}

// ---- signing in (the page for anonymous visitors) -----------------------------------------------------------------
if (!config.user) {
  $('#login')?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const response = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: $('#username').value, password: $('#password').value }),
    });
    if (response.ok) return location.reload();
    const body = await response.json().catch(() => ({}));
    $('#login-error').textContent = body?.error?.message || `HTTP ${response.status}`;
  });
} else {
  start();
}

function start() {
  const today = new Date();
  const iso = (d) => d.toISOString().slice(0, 10);
  const state = {
    stack: [], // [{code, name}] from the scope's region down to the one shown
    from: iso(new Date(today.getTime() - 83 * 86400e3)), // twelve weeks
    to: iso(today),
  };
  $('#from').value = state.from;
  $('#to').value = state.to;
  const charts = {
    children: echarts.init($('#children-chart')),
    trends: echarts.init($('#trends-chart')),
    map: echarts.init($('#map-chart')),
  };
  window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

  const region = () => state.stack.at(-1)?.code ?? '';
  const COLOURS = { grey: '#9ca3af', green: '#16a34a', yellow: '#eab308', red: '#dc2626' };

  async function refresh() {
    status(T('cockpit.page.loading'));
    document.body.dataset.loading = '1';
    try {
      await summary(); // first: it says where we are (the region and its level)
      await Promise.all([trends(), map(), alerts(), visits()]);
      exports();
      status('');
    } catch (err) {
      status(T('cockpit.page.failed') + err.message);
    } finally {
      delete document.body.dataset.loading;
    }
  }

  function drill(code, name) {
    state.stack.push({ code, name });
    refresh();
  }

  async function summary() {
    const s = await api('cockpit/summary', { region: region(), from: state.from, to: state.to });
    if (!state.stack.length && s.region) state.stack.push({ code: s.region.code, name: s.region.name });
    state.level = s.region?.level ?? 'all';
    crumbs();
    const h = s.verification.hours_to_verify;
    const kpis = [
      ['houses', s.houses.total],
      ['active_tenants', s.tenants.active],
      ['check_ins', s.tenants.check_ins],
      ['check_outs', s.tenants.check_outs],
      ['backlog', s.verification.backlog],
      ['hours_median', h.median ?? '–'],
      ['hours_p90', h.p90 ?? '–'],
      ['plates_active', s.doorplates.active],
      ['plates_revoked', s.doorplates.revoked],
      ['plates_printed', s.doorplates.printed],
      ['notices_open', s.notices.open],
      ['notices_overdue', s.notices.overdue],
      ['obligations_overdue', s.obligations.overdue],
    ];
    $('#kpis').replaceChildren(
      ...kpis.map(([key, value]) => {
        const card = document.createElement('div');
        card.className = 'kpi';
        card.dataset.kpi = key;
        card.innerHTML = '<strong></strong><span></span>';
        card.querySelector('strong').textContent = value;
        card.querySelector('span').textContent = T(`cockpit.page.${key}`);
        return card;
      }),
      colourBar(s.houses.by_colour),
    );
    // The summary's counts are those of the last aggregate refresh (cron); say when that was.
    $('#as-of').textContent = s.as_of ? T('cockpit.page.as_of', { at: s.as_of.slice(0, 16).replace('T', ' ') }) : '';
    const children = s.children;
    const head = ['region', 'houses', ...Object.keys(COLOURS).map((c) => `colour.${c}`), 'active_tenants'];
    $('#children thead').innerHTML = '<tr></tr>';
    $('#children thead tr').replaceChildren(...head.map((k) => cell('th', T(`cockpit.page.${k}`))));
    $('#children tbody').replaceChildren(
      ...children.map((c) => {
        const row = document.createElement('tr');
        row.dataset.code = c.code;
        row.tabIndex = 0;
        row.append(cell('td', c.name), cell('td', c.houses.total));
        for (const colour of Object.keys(COLOURS)) row.append(cell('td', c.houses.by_colour[colour] ?? 0));
        row.append(cell('td', c.tenants.active));
        row.addEventListener('click', () => drill(c.code, c.name));
        row.addEventListener('keydown', (e) => e.key === 'Enter' && drill(c.code, c.name));
        return row;
      }),
    );
    charts.children.setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 30, bottom: 50 },
        xAxis: { type: 'category', data: children.map((c) => c.name), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: 'value', minInterval: 1 },
        series: Object.entries(COLOURS).map(([colour, hex]) => ({
          name: T(`cockpit.page.colour.${colour}`),
          type: 'bar',
          stack: 'houses',
          itemStyle: { color: hex },
          data: children.map((c) => c.houses.by_colour[colour] ?? 0),
        })),
      },
      true,
    );
    charts.children.off('click');
    charts.children.on('click', (p) => drill(children[p.dataIndex].code, children[p.dataIndex].name));
    $('#up').hidden = state.stack.length < 2;
  }

  function colourBar(byColour) {
    const bar = document.createElement('div');
    bar.className = 'kpi colours';
    for (const [colour, hex] of Object.entries(COLOURS)) {
      const part = document.createElement('span');
      part.style.background = hex;
      part.title = T(`cockpit.page.colour.${colour}`);
      part.textContent = byColour[colour] ?? 0;
      part.dataset.colour = colour;
      bar.append(part);
    }
    return bar;
  }

  function crumbs() {
    $('#crumbs').replaceChildren(
      ...state.stack.map((r, i) => {
        const a = document.createElement('a');
        a.href = '#';
        a.textContent = r.name;
        a.addEventListener('click', (e) => {
          e.preventDefault();
          state.stack.length = i + 1;
          refresh();
        });
        return a;
      }),
    );
  }

  function cell(tag, text) {
    const el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  async function trends() {
    const t = await api('cockpit/trends', { region: region(), from: state.from, to: state.to, bucket: $('#bucket').value });
    const stocks = ['active_tenants', 'registered_houses'];
    charts.trends.setOption(
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
          type: stocks.includes(measure) ? 'line' : 'bar',
          yAxisIndex: stocks.includes(measure) ? 1 : 0,
          smooth: true,
          data: values,
        })),
      },
      true,
    );
  }

  // ---- the map: grid polygons coloured by a measure, heat cells on top, an optional tile layer under it -------
  const tiles = config.tile_url ? tileLayer(charts.map, config.tile_url) : null;
  const toMap = (geo) => (tiles ? gcoord.transform(geo, gcoord.WGS84, gcoord.GCJ02) : geo); // WGS84 → GCJ-02 here only
  window.menpaiCockpit = { state, charts, toMap }; // for the end-to-end test and the curious

  let mapDrawn = false; // the geo component exists: a route can be laid on it

  async function map() {
    const measure = $('#grid-measure').value;
    const heat = $('#heat-measure').value;
    const [grids, cells] = await Promise.all([
      api('cockpit/grids', { region: region(), measure }),
      api('cockpit/heatmap', { region: region(), measure: heat, cell: cellSize() }),
    ]);
    $('#suppressed').textContent = cells.suppressed.cells ? T('cockpit.page.suppressed', cells.suppressed) : '';
    mapDrawn = grids.features.length > 0;
    if (!mapDrawn) {
      charts.map.clear();
      return;
    }
    const key = `grids-${region() || 'all'}-${tiles ? 'gcj' : 'wgs'}`;
    echarts.registerMap(key, toMap(grids));
    const values = grids.features.map((f) => f.properties.value);
    const points = cells.cells.map(([lon, lat, n]) => [...toMap([lon, lat]), n]);
    const most = Math.max(1, ...points.map((p) => p[2]));
    const size = cells.cell;
    charts.map.setOption(
      {
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
          {
            id: 'heat',
            type: 'heatmap',
            coordinateSystem: 'geo',
            name: T(`cockpit.measure.${heat}`),
            data: points,
            pointSize: 10,
            blurSize: 10,
          },
          ...routeSeries(),
        ],
      },
      true,
    );
    // A heat point as wide as its cell on screen, whatever the zoom.
    const fit = () => {
      const [lon, lat] = points[0] ?? toMap([0, 0]);
      const a = charts.map.convertToPixel({ geoIndex: 0 }, [lon, lat]);
      const b = charts.map.convertToPixel({ geoIndex: 0 }, [lon + size, lat]);
      const px = Math.max(4, Math.min(80, Math.abs(b[0] - a[0])));
      charts.map.setOption({ series: [{}, { pointSize: px, blurSize: px * 0.6 }] });
    };
    if (points.length) fit();
    charts.map.off('georoam');
    charts.map.on('georoam', () => {
      if (points.length) fit();
      tiles?.draw();
    });
    charts.map.off('click');
    charts.map.on('click', (p) => {
      const feature = grids.features.find((f) => f.properties.code === p.name);
      if (p.seriesType === 'map' && feature && feature.properties.code !== region()) {
        drill(feature.properties.code, feature.properties.name);
      }
    });
    tiles?.draw();
  }

  function cellSize() {
    // About a tenth of a region's width: ~5 km cells for a city, ~250 m for a township, ~50 m for a grid. From
    // township up they are multiples of the aggregates' 0.0025° base cell (summed, not counted live).
    const sizes = { all: 0.05, province: 0.05, city: 0.05, county: 0.01, township: 0.0025, community: 0.001, grid: 0.0005 };
    return sizes[state.level] ?? 0.005;
  }

  async function alerts() {
    const kind = $('#alert-kind').value;
    const a = await api('cockpit/alerts', { region: region(), kind, limit: 50 });
    $('#alert-counts').replaceChildren(
      ...Object.entries(a.counts).map(([k, n]) => {
        const chip = document.createElement('button');
        chip.type = 'button';
        chip.className = 'chip';
        chip.dataset.kind = k;
        chip.textContent = `${T(`cockpit.kind.${k}`)} ${n}`;
        chip.addEventListener('click', () => {
          $('#alert-kind').value = k;
          alerts().then(exports);
        });
        return chip;
      }),
    );
    $('#alerts thead').innerHTML = '<tr></tr>';
    $('#alerts thead tr').replaceChildren(
      ...['export.kind', 'cockpit.page.address', 'cockpit.page.reason'].map((k) => cell('th', T(k))),
    );
    const rows = a.alerts.map((item) => {
      const row = document.createElement('tr');
      row.dataset.reason = item.reason;
      const dot = cell('td', T(`cockpit.kind.${item.kind}`));
      dot.style.borderLeft = `4px solid ${COLOURS[item.house.colour] ?? '#999'}`;
      row.append(dot, cell('td', `${item.house.address} ${item.house.unit_label || ''}`.trim()), cell('td', item.text));
      return row;
    });
    if (!rows.length) rows.push(Object.assign(document.createElement('tr'), { innerHTML: '<td colspan="3"></td>' }));
    if (!a.alerts.length) rows[0].firstChild.textContent = T('cockpit.page.no_alerts');
    $('#alerts tbody').replaceChildren(...rows);
  }

  // ---- the week's visit list (走访清单) of one grid worker of the region, in the API's walking order ------------
  // Supervisors pick the worker (grouped by grid) among those of the region shown; a grid worker gets their own.
  const visitCard = $('#visits-card');
  const VISIT_COLUMNS = ['visit_order', 'address', 'visit_colour', 'visit_reasons', 'visit_days', 'visit_leg'];
  let route = null; // the list shown ({start, stops}), drawn on the map
  let visitAsk = 0; // only the latest request draws: a drill-down may overtake a slow answer

  async function visits(reloadWorkers = true) {
    if (!visitCard) return;
    const ask = ++visitAsk;
    route = null;
    drawRoute();
    visitState('loading', T('cockpit.page.visit_loading'));
    try {
      const select = $('#visit-worker');
      if (select && reloadWorkers) {
        const { workers } = await api('cockpit/visits/workers', { region: region() });
        if (ask !== visitAsk) return;
        workerOptions(select, workers);
        if (!workers.length) return visitState('no_workers', T('cockpit.page.visit_no_workers'));
      }
      const v = await api('cockpit/visits', { worker: select?.value ?? '' });
      if (ask !== visitAsk) return;
      const grid = select?.selectedOptions[0]?.parentElement.label ?? config.user.region?.name ?? v.worker.grid;
      const until = new Date(Date.parse(v.until) - 1).toISOString().slice(0, 10); // the week's last day
      $('#visits-meta').textContent = T('cockpit.page.visit_summary', {
        worker: v.worker.display_name, grid, until, n: v.stops.length, km: (v.total_m / 1000).toFixed(1),
      });
      if (!v.stops.length) return visitState('empty', T('cockpit.page.visit_empty'));
      $('#visits tbody').replaceChildren(...v.stops.map(visitRow));
      visitCard.dataset.state = 'ready';
      route = v;
      drawRoute();
    } catch (err) {
      if (ask === visitAsk) visitState('error', T('cockpit.page.visit_failed', { message: err.message }));
    }
  }

  function workerOptions(select, workers) {
    const keep = select.value;
    const groups = new Map();
    for (const w of workers) {
      if (!groups.has(w.grid.code)) groups.set(w.grid.code, Object.assign(document.createElement('optgroup'), { label: w.grid.name }));
      groups.get(w.grid.code).append(new Option(w.display_name, w.id));
    }
    select.replaceChildren(...groups.values());
    if (workers.some((w) => String(w.id) === keep)) select.value = keep;
    select.disabled = !workers.length;
  }

  function visitState(state, message) {
    visitCard.dataset.state = state;
    $('#visits thead').innerHTML = '<tr></tr>';
    $('#visits thead tr').replaceChildren(...VISIT_COLUMNS.map((k) => cell('th', T(`cockpit.page.${k}`))));
    if (state !== 'empty') $('#visits-meta').textContent = '';
    const row = Object.assign(document.createElement('tr'), { innerHTML: `<td colspan="${VISIT_COLUMNS.length}"></td>` });
    row.firstChild.textContent = message;
    row.firstChild.className = state === 'error' ? 'error' : 'muted';
    $('#visits tbody').replaceChildren(row);
  }

  function visitRow(stop) {
    const row = document.createElement('tr');
    row.dataset.house = stop.house.id;
    row.dataset.colour = stop.house.colour;
    const dot = Object.assign(document.createElement('span'), { className: 'dot', title: T(`cockpit.page.colour.${stop.house.colour}`) });
    dot.style.background = COLOURS[stop.house.colour] ?? '#999';
    const colour = cell('td', '');
    colour.append(dot);
    const reasons = cell('td', '');
    reasons.append(...stop.reasons.map((r) => Object.assign(cell('div', r.text), { title: T(`cockpit.kind.${r.kind}`) })));
    row.append(
      cell('td', stop.order),
      cell('td', `${stop.house.address} ${stop.house.unit_label || ''}`.trim()),
      colour,
      reasons,
      cell('td', stop.days_since_visit ?? '–'),
      cell('td', Math.round(stop.leg_m)),
    );
    return row;
  }

  function routeSeries() {
    // The walk from the start (the grid's centre) through the stops, numbered, on the grid map.
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

  function drawRoute() {
    if (!mapDrawn) return;
    charts.map.setOption({ series: [{ id: 'grids' }, { id: 'heat' }, ...routeSeries()] }, { replaceMerge: ['series'] });
  }

  function exports() {
    const format = $('#export-format').value;
    const kind = $('#alert-kind').value;
    const worker = $('#visit-worker')?.value ?? '';
    const urls = {
      alerts: ['cockpit/alerts', { region: region(), kind, format }],
      houses: ['houses', { region: region(), format }],
      tenants: ['cockpit/tenants', { region: region(), format }],
      visits: ['cockpit/visits', { worker, format }],
    };
    for (const link of document.querySelectorAll('[data-export]')) {
      const [path, shared] = urls[link.dataset.export];
      const params = { ...shared, format: link.dataset.format || shared.format };
      const query = new URLSearchParams({ ...params, lang: config.lang });
      for (const [k, v] of [...query]) if (!v) query.delete(k);
      link.href = `/api/v1/${path}?${query}`;
      link.download = `${link.dataset.export}.${params.format}`;
    }
  }

  $('#period').addEventListener('submit', (e) => {
    e.preventDefault();
    state.from = $('#from').value;
    state.to = $('#to').value;
    refresh();
  });
  $('#up').addEventListener('click', () => {
    state.stack.pop();
    refresh();
  });
  $('#bucket').addEventListener('change', () => trends().catch((err) => status(T('cockpit.page.failed') + err.message)));
  for (const id of ['#grid-measure', '#heat-measure']) {
    $(id).addEventListener('change', () => map().catch((err) => status(T('cockpit.page.failed') + err.message)));
  }
  $('#alert-kind').addEventListener('change', () => alerts().then(exports));
  $('#export-format').addEventListener('change', exports);
  $('#visit-worker')?.addEventListener('change', () => visits(false).then(exports));
  $('#logout').addEventListener('click', async () => {
    const me = await api('me');
    await fetch('/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: '{}',
    });
    location.reload();
  });
  refresh();
}

// An optional raster tile layer (MAP_TILE_URL, e.g. a Chinese provider's GCJ-02 tiles) laid under the ECharts map:
// the map is drawn in Web Mercator so the tiles line up; img elements are placed from the geo component's pixels.
function tileLayer(chart, template) {
  const box = document.getElementById('tiles');
  const R = Math.PI / 180;
  const projection = {
    // Like d3's projections, ECharts wants screen-like output: y grows southwards.
    project: ([lon, lat]) => [lon, -Math.log(Math.tan(Math.PI / 4 + (lat * R) / 2)) / R],
    unproject: ([x, y]) => [x, (2 * Math.atan(Math.exp(-y * R)) - Math.PI / 2) / R],
  };
  const tileLon = (x, z) => (x / 2 ** z) * 360 - 180;
  const tileLat = (y, z) => Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) / R;
  // Screen → longitude/latitude from two convertToPixel readings (the projection is affine on screen):
  // ECharts 6's convertFromPixel does not undo a custom projection.
  function fromPixel(px) {
    const [a, b] = [[100, 20], [120, 40]].map((ll) => [projection.project(ll), chart.convertToPixel({ geoIndex: 0 }, ll)]);
    if (!a[1] || !b[1]) return null;
    const sx = (b[1][0] - a[1][0]) / (b[0][0] - a[0][0]);
    const sy = (b[1][1] - a[1][1]) / (b[0][1] - a[0][1]);
    return projection.unproject([a[0][0] + (px[0] - a[1][0]) / sx, a[0][1] + (px[1] - a[1][1]) / sy]);
  }
  function draw() {
    const w = chart.getWidth();
    const h = chart.getHeight();
    const nw = fromPixel([0, 0]);
    const se = fromPixel([w, h]);
    if (!nw || !se) return;
    const z = Math.max(3, Math.min(18, Math.round(Math.log2((360 * w) / ((se[0] - nw[0]) * 256)))));
    const n = 2 ** z;
    const tx = (lon) => Math.floor(((lon + 180) / 360) * n);
    const ty = (lat) => Math.floor(((1 - Math.log(Math.tan(lat * R) + 1 / Math.cos(lat * R)) / Math.PI) / 2) * n);
    const imgs = [];
    for (let x = tx(nw[0]); x <= tx(se[0]) && imgs.length < 200; x++) {
      for (let y = ty(nw[1]); y <= ty(se[1]) && imgs.length < 200; y++) {
        const a = chart.convertToPixel({ geoIndex: 0 }, [tileLon(x, z), tileLat(y, z)]);
        const b = chart.convertToPixel({ geoIndex: 0 }, [tileLon(x + 1, z), tileLat(y + 1, z)]);
        const img = document.createElement('img');
        img.alt = '';
        img.src = template.replace('{z}', z).replace('{x}', x).replace('{y}', y);
        Object.assign(img.style, { left: `${a[0]}px`, top: `${a[1]}px`, width: `${b[0] - a[0]}px`, height: `${b[1] - a[1]}px` });
        imgs.push(img);
      }
    }
    box.replaceChildren(...imgs);
  }
  return { projection, draw: () => requestAnimationFrame(draw) };
}
