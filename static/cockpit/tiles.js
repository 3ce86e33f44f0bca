// An optional raster tile layer (MAP_TILE_URL, e.g. a Chinese provider's GCJ-02 tiles) laid under the ECharts map:
// the map is drawn in Web Mercator so the tiles line up; img elements are placed from the geo component's pixels.
const R = Math.PI / 180;
// Like d3's projections, ECharts wants screen-like output: y grows southwards.
const projection = {
  project: ([lon, lat]) => [lon, -Math.log(Math.tan(Math.PI / 4 + (lat * R) / 2)) / R],
  unproject: ([x, y]) => [x, (2 * Math.atan(Math.exp(-y * R)) - Math.PI / 2) / R],
};
const tileLon = (x, z) => (x / 2 ** z) * 360 - 180;
const tileLat = (y, z) => Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** z))) / R;
const tileX = (lon, n) => Math.floor(((lon + 180) / 360) * n);
const tileY = (lat, n) => Math.floor(((1 - Math.log(Math.tan(lat * R) + 1 / Math.cos(lat * R)) / Math.PI) / 2) * n);
const MAX_TILES = 200;

export function tileLayer(chart, template) {
  const box = document.getElementById('tiles');
  const draw = () => {
    const w = chart.getWidth();
    const h = chart.getHeight();
    const nw = fromPixel(chart, [0, 0]);
    const se = fromPixel(chart, [w, h]);
    if (!nw || !se) return;
    const z = Math.max(3, Math.min(18, Math.round(Math.log2((360 * w) / ((se[0] - nw[0]) * 256)))));
    box.replaceChildren(...tiles(chart, template, z, nw, se));
  };
  return { projection, draw: () => requestAnimationFrame(draw) };
}

// Screen → longitude/latitude from two convertToPixel readings (the projection is affine on screen):
// ECharts 6's convertFromPixel does not undo a custom projection.
function fromPixel(chart, px) {
  const [a, b] = [[100, 20], [120, 40]].map((ll) => [projection.project(ll), chart.convertToPixel({ geoIndex: 0 }, ll)]);
  if (!a[1] || !b[1]) return null;
  const sx = (b[1][0] - a[1][0]) / (b[0][0] - a[0][0]);
  const sy = (b[1][1] - a[1][1]) / (b[0][1] - a[0][1]);
  return projection.unproject([a[0][0] + (px[0] - a[1][0]) / sx, a[0][1] + (px[1] - a[1][1]) / sy]);
}

// The img elements of zoom z covering [nw, se], at most MAX_TILES, placed where the map draws their corners.
function tiles(chart, template, z, nw, se) {
  const n = 2 ** z;
  const imgs = [];
  for (let x = tileX(nw[0], n); x <= tileX(se[0], n) && imgs.length < MAX_TILES; x++) {
    for (let y = tileY(nw[1], n); y <= tileY(se[1], n) && imgs.length < MAX_TILES; y++) {
      const a = chart.convertToPixel({ geoIndex: 0 }, [tileLon(x, z), tileLat(y, z)]);
      const b = chart.convertToPixel({ geoIndex: 0 }, [tileLon(x + 1, z), tileLat(y + 1, z)]);
      const img = document.createElement('img');
      img.alt = '';
      img.src = template.replace('{z}', z).replace('{x}', x).replace('{y}', y);
      Object.assign(img.style, { left: `${a[0]}px`, top: `${a[1]}px`, width: `${b[0] - a[0]}px`, height: `${b[1] - a[1]}px` });
      imgs.push(img);
    }
  }
  return imgs;
}
