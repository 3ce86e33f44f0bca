// Staff administration (#/staff) for supervisors and admins: the staff of my scope with role, region, last sign-in
// and live sessions; create an account, deactivate or reactivate it, give it a new one-time password, import a
// table. Online only: each answer that carries a one-time password is shown once and kept nowhere on the phone.
import { api } from '../api.js';
import { ask, h, show, showFieldErrors, toast } from '../dom.js';
import { formatTime, t } from '../i18n.js';

const MANAGED = {
  supervisor: ['grid_worker', 'fire_officer', 'police'],
  admin: ['grid_worker', 'fire_officer', 'police', 'supervisor', 'admin'],
};
const PAGE = 50;

/** The regions a form may offer: mine, and two levels below it (township → communities → grids). */
async function nearbyRegions(code) {
  if (!code) return [];
  const detail = async (c) => api(`/api/v1/regions/${encodeURIComponent(c)}`).catch(() => null);
  const mine = await detail(code);
  if (!mine) return [];
  const children = await Promise.all((mine.children || []).map((child) => detail(child.code)));
  const below = children.filter(Boolean).flatMap((child) => [child, ...(child.children || [])]);
  return [mine, ...below].map(({ code: c, name }) => ({ code: c, name }));
}

/** The one-time password of an account, shown this once. */
function passwordCard(username, password) {
  const copy = h('button', { class: 'small secondary', type: 'button' }, t('staff.copy'));
  copy.addEventListener('click', () => navigator.clipboard?.writeText(password).then(() => toast(t('staff.copied')), () => {}));
  return h(
    'div',
    { class: 'card one-time', id: 'one-time', role: 'status' },
    h('h2', {}, t('staff.one_time_title', { username })),
    h('p', { class: 'code one-time-password', 'data-password': username }, password),
    h('p', { class: 'muted' }, t('staff.one_time_help')),
    copy,
  );
}

function csvLine(values) {
  return values.map((v) => {
    const text = String(v ?? '');
    const inert = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text; // a spreadsheet must not run it as a formula
    return /[",\n]/.test(inert) ? `"${inert.replaceAll('"', '""')}"` : inert;
  }).join(',');
}

export async function staffScreen(ctx, query) {
  const me = ctx.session.user;
  const roles = MANAGED[me.role] || [];
  const filters = { q: query.get('q') || '', role: query.get('role') || '', active: query.get('active') || '' };
  const notice = h('div', { id: 'staff-notice' });
  const list = h('ul', { class: 'list staff', id: 'staff-list' });
  const total = h('p', { class: 'muted', id: 'staff-total' });
  const more = h('button', { class: 'secondary', type: 'button', id: 'staff-more', hidden: true }, t('staff.more'));
  let shown = 0;

  const say = (...children) => {
    notice.replaceChildren(...children);
    notice.scrollIntoView?.({ block: 'nearest' });
  };
  const failed = (err) => say(h('p', { class: 'error', role: 'alert' }, err.message));

  async function load(append = false) {
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(append ? shown : 0) });
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    const page = await api(`/api/v1/users?${params}`);
    if (!append) {
      list.replaceChildren();
      shown = 0;
    }
    list.append(...page.users.map(row));
    shown += page.users.length;
    total.textContent = t('staff.total', { n: page.total });
    more.hidden = shown >= page.total;
  }

  function row(user) {
    const state = [
      user.active ? null : h('span', { class: 'state off' }, t('staff.inactive')),
      user.must_change_password ? h('span', { class: 'state' }, t('staff.must_change')) : null,
    ];
    const region = user.region ? `${user.region.name}（${user.region.code}）` : t('staff.everywhere');
    const toggle = h(
      'button',
      { class: `small ${user.active ? 'danger' : 'secondary'}`, type: 'button', 'data-action': user.active ? 'deactivate' : 'reactivate' },
      t(user.active ? 'staff.deactivate' : 'staff.reactivate'),
    );
    const reset = h('button', { class: 'small secondary', type: 'button', 'data-action': 'reset' }, t('staff.reset'));
    toggle.addEventListener('click', async () => {
      const off = user.active;
      if (off && !(await ask(t('staff.deactivate_ask', { name: user.display_name }), t('staff.deactivate'), t('staff.cancel')))) return;
      try {
        const changed = await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: { active: !off } });
        say(h('p', { class: 'ok', role: 'status' }, t(off ? 'staff.deactivated' : 'staff.reactivated', { name: changed.display_name })));
        await load();
      } catch (err) {
        failed(err);
      }
    });
    reset.addEventListener('click', async () => {
      if (!(await ask(t('staff.reset_ask', { name: user.display_name }), t('staff.reset'), t('staff.cancel')))) return;
      try {
        const answer = await api(`/api/v1/users/${user.id}/reset-password`, { method: 'POST', body: {} });
        say(passwordCard(answer.user.username, answer.password));
        await load();
      } catch (err) {
        failed(err);
      }
    });
    return h(
      'li',
      { 'data-user': user.username, class: user.active ? null : 'inactive' },
      h('p', { class: 'staff-name' }, h('strong', {}, user.display_name), ' ', h('span', { class: 'muted' }, user.username), ' ', state),
      h('p', { class: 'muted' }, `${t(`role.${user.role}`)} · ${region}`),
      h(
        'p',
        { class: 'muted' },
        t('staff.last_login', { time: user.last_login_at ? formatTime(Date.parse(user.last_login_at)) : t('time.never') }),
        ' · ',
        h('span', { 'data-sessions': user.sessions }, t('staff.sessions', { n: user.sessions })),
        user.phone ? ` · ${user.phone}` : '',
      ),
      h('div', { class: 'staff-actions' }, reset, toggle),
    );
  }

  // ---- filters ----
  const roleOptions = (blank) => [h('option', { value: '' }, blank), ...roles.map((r) => h('option', { value: r }, t(`role.${r}`)))];
  const filterForm = h(
    'form',
    { id: 'staff-filter', class: 'staff-filter', role: 'search' },
    h('label', { for: 'staff-q' }, t('staff.search')),
    h('input', { id: 'staff-q', name: 'q', type: 'search', value: filters.q, placeholder: t('staff.search_hint') }),
    h(
      'div',
      { class: 'row' },
      h('select', { name: 'role', 'aria-label': t('staff.role') }, roleOptions(t('staff.all_roles'))),
      h(
        'select',
        { name: 'active', 'aria-label': t('staff.status') },
        h('option', { value: '' }, t('staff.all_states')),
        h('option', { value: 'true' }, t('staff.active_only')),
        h('option', { value: 'false' }, t('staff.inactive_only')),
      ),
    ),
    h('button', { type: 'submit', class: 'secondary' }, t('staff.filter')),
  );
  filterForm.elements.role.value = filters.role;
  filterForm.elements.active.value = filters.active;
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.assign(filters, { q: filterForm.elements.q.value.trim(), role: filterForm.elements.role.value, active: filterForm.elements.active.value });
    load().catch(failed);
  });
  more.addEventListener('click', () => load(true).catch(failed));

  // ---- create ----
  const regions = h('datalist', { id: 'staff-regions' });
  const createForm = h(
    'form',
    { id: 'staff-create', novalidate: true },
    h('label', { for: 'new-username' }, t('staff.username')),
    h('input', { id: 'new-username', name: 'username', autocapitalize: 'none', autocomplete: 'off', required: true, maxlength: 64 }),
    h('p', { class: 'muted' }, t('staff.username_hint')),
    h('label', { for: 'new-name' }, t('staff.display_name')),
    h('input', { id: 'new-name', name: 'display_name', autocomplete: 'off', maxlength: 100 }),
    h('label', { for: 'new-role' }, t('staff.role')),
    h('select', { id: 'new-role', name: 'role' }, roles.map((r) => h('option', { value: r }, t(`role.${r}`)))),
    h('label', { for: 'new-region' }, t('staff.region')),
    h('input', { id: 'new-region', name: 'region', inputmode: 'numeric', list: 'staff-regions', value: me.region?.code || '', maxlength: 15 }),
    regions,
    h('label', { for: 'new-phone' }, t('staff.phone')),
    h('input', { id: 'new-phone', name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: 20 }),
    h('button', { type: 'submit' }, t('staff.create')),
  );
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showFieldErrors(createForm, {});
    const body = Object.fromEntries(['username', 'display_name', 'role', 'region', 'phone'].map((k) => [k, createForm.elements[k].value.trim()]));
    const button = createForm.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const made = await api('/api/v1/users', { method: 'POST', body });
      createForm.reset();
      createForm.elements.region.value = me.region?.code || '';
      say(passwordCard(made.user.username, made.password));
      await load();
    } catch (err) {
      const rest = showFieldErrors(createForm, err.fields);
      say(h('p', { class: 'error', role: 'alert' }, [err.message, ...Object.values(rest)].join(' ')));
    } finally {
      button.disabled = false;
    }
  });
  nearbyRegions(me.region?.code).then((found) => {
    regions.replaceChildren(...found.map((r) => h('option', { value: r.code }, r.name)));
  });

  // ---- import ----
  const file = h('input', { id: 'import-file', name: 'file', type: 'file', accept: '.csv,.xlsx,text/csv' });
  const importForm = h(
    'form',
    { id: 'staff-import', novalidate: true },
    h('p', { class: 'muted' }, t('staff.import_help')),
    h('label', { for: 'import-file' }, t('staff.import_file')),
    file,
    h('button', { type: 'submit' }, t('staff.import')),
  );
  importForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files.length) {
      say(h('p', { class: 'error', role: 'alert' }, t('staff.import_choose')));
      return;
    }
    const data = new FormData();
    data.append('file', file.files[0]);
    const button = importForm.querySelector('button');
    button.disabled = true;
    try {
      const done = await api('/api/v1/users/import', { method: 'POST', body: data });
      say(importedCard(done.accounts));
      importForm.reset();
      await load();
    } catch (err) {
      if (err.code === 'import_rejected') {
        const lines = Object.entries(err.fields).sort(([a], [b]) => Number(a) - Number(b));
        say(
          h('div', { class: 'card rejects', id: 'import-rejects', role: 'alert' },
            h('p', { class: 'error' }, err.message),
            h('ul', {}, lines.map(([line, reason]) => h('li', { 'data-line': line }, t('staff.reject_line', { line, reason }))))),
        );
      } else {
        failed(err);
      }
    } finally {
      button.disabled = false;
    }
  });

  function importedCard(accounts) {
    const csv = [csvLine(['line', 'username', 'name', 'role', 'region_code', 'password']),
      ...accounts.map((a) => csvLine([a.line, a.username, a.display_name, a.role, a.region_code, a.password]))].join('\r\n');
    const url = URL.createObjectURL(new Blob(['\ufeff', csv, '\r\n'], { type: 'text/csv' }));
    return h(
      'div',
      { class: 'card one-time', id: 'imported', role: 'status' },
      h('h2', {}, t('staff.imported', { n: accounts.length })),
      h('p', { class: 'muted' }, t('staff.one_time_help')),
      h('a', { class: 'btn', href: url, download: 'accounts.csv', id: 'imported-csv' }, t('staff.download')),
      h('ul', { class: 'list' }, accounts.map((a) =>
        h('li', { 'data-imported': a.username }, h('span', {}, `${a.display_name}（${a.username}）`), ' ',
          h('span', { class: 'code one-time-password', 'data-password': a.username }, a.password)))),
    );
  }

  show(
    h('h1', {}, t('staff.title')),
    h('p', { class: 'muted' }, me.region ? t('staff.scope', { region: me.region.name }) : t('staff.scope_all')),
    notice,
    h('details', { id: 'staff-create-fold' }, h('summary', {}, t('staff.create')), createForm),
    h('details', { id: 'staff-import-fold' }, h('summary', {}, t('staff.import')), importForm),
    filterForm,
    total,
    list,
    more,
  );
  try {
    await load();
  } catch (err) {
    failed(err);
  }
}
