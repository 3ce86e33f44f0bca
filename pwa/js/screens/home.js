// The home screen: one menu per role (from GET /api/v1/me), and logout.
import { h, show } from '../dom.js';
import { t } from '../i18n.js';

// [key, route]; a route under #/soon/ is a screen of issue 6 not built yet (it says so rather than hide the plan).
const MENUS = {
  landlord: [['scan', '#/scan'], ['houses', '#/houses'], ['declare', '#/declare'], ['tenants', '#/tenants'],
    ['notices', '#/notices'], ['monthly', '#/monthly'], ['notifications', '#/notifications'], ['find', '#/find']],
  tenant: [['scan', '#/scan'], ['check_in', '#/find'], ['my_tenancy', '#/my-tenancy'], ['me', '#/me']],
  // One phone, one account: a resident lets houses and lives in one, whichever they do.
  resident: [['scan', '#/scan'], ['my_tenancy', '#/my-tenancy'], ['houses', '#/houses'], ['declare', '#/declare'],
    ['tenants', '#/tenants'], ['notices', '#/notices'], ['monthly', '#/monthly'], ['notifications', '#/notifications'],
    ['me', '#/me']],
  grid_worker: [['scan', '#/scan'], ['tasks', '#/tasks'], ['find', '#/find'], ['grid_houses', '#/grid-houses']],
  fire_officer: [['scan', '#/scan'], ['find', '#/find'], ['my_notices', '#/my-notices'], ['reinspect', '#/reinspect'], ['lists', '#/lists']],
  police: [['scan', '#/scan'], ['find', '#/find'], ['lists', '#/lists'], ['cockpit', '/cockpit']],
  supervisor: [['scan', '#/scan'], ['find', '#/find'], ['lists', '#/lists'], ['reviews', '#/reviews'], ['staff', '#/staff'],
    ['cockpit', '/cockpit']],
  admin: [['scan', '#/scan'], ['find', '#/find'], ['lists', '#/lists'], ['reviews', '#/reviews'], ['staff', '#/staff'],
    ['cockpit', '/cockpit']],
};

export function homeScreen(ctx) {
  const { user } = ctx.session;
  const items = (MENUS[user.role] || []).map(([key, href]) =>
    h('li', { class: href.startsWith('#/soon/') ? 'soon' : null }, h('a', { href, 'data-menu': key }, t(`menu.${key}`))),
  );
  if (ctx.isStaff()) items.push(h('li', {}, h('a', { href: '#/outbox', 'data-menu': 'outbox' }, t('menu.outbox'))));
  if (ctx.isStaff()) items.push(h('li', {}, h('a', { href: '#/password', 'data-menu': 'password' }, t('menu.password'))));
  show(
    h('h1', {}, t('home.hello', { name: user.display_name || user.username })),
    h('p', { class: 'muted', 'data-role': user.role }, [t(`role.${user.role}`), user.region?.name].filter(Boolean).join(' · ')),
    h('ul', { class: 'list menu' }, items),
    h('button', { class: 'secondary', type: 'button', id: 'logout', onclick: () => ctx.logOut() }, t('logout.button')),
  );
}

export function placeholderScreen(ctx, key) {
  show(
    h('h1', {}, t(`menu.${key.replaceAll('-', '_')}`)),
    h('p', { class: 'muted' }, t('soon.text')),
    h('a', { class: 'btn secondary', href: '#/' }, t('nav.home')),
  );
}
