// The download links (导出) of the lists shown: alerts, houses and tenants of the region, the visit list of the
// worker chosen, as XLSX or CSV; each link is the list's API URL with ?format=.
import { $, query } from './core.js';

export function exports(cockpit) {
  const region = cockpit.region();
  const format = $('#export-format').value;
  const kind = $('#alert-kind').value;
  const worker = $('#visit-worker')?.value ?? '';
  const urls = {
    alerts: ['cockpit/alerts', { region, kind, format }],
    houses: ['houses', { region, format }],
    tenants: ['cockpit/tenants', { region, format }],
    visits: ['cockpit/visits', { worker, format }],
  };
  for (const link of document.querySelectorAll('[data-export]')) {
    const [path, shared] = urls[link.dataset.export];
    const params = { ...shared, format: link.dataset.format || shared.format };
    link.href = `/api/v1/${path}?${query(params)}`;
    link.download = `${link.dataset.export}.${params.format}`;
  }
}
