// 整改通知: my fire notices per house with their deadlines; showing the list sends the delivery receipt (a POST: a
// GET never marks anything, so a link from another site cannot), opening one sends the read receipt; a
// rectification order is answered item by item with a note and camera photos (evidence), also once overdue or
// escalated (the items still have to be put right; only evidence lets the officer pass them).
import { api } from '../api.js';
import { h, show, showFieldErrors, toast } from '../dom.js';
import { t } from '../i18n.js';
import { writer } from '../write.js';
import { photoPicker } from './photos.js';

const AWAITING_EVIDENCE = ['issued', 'delivered', 'read', 'overdue', 'escalated'];
const CLOSED = ['closed', 'cancelled'];

/** "3 days left" / "due today" / "2 days overdue" for an open notice with a deadline, else null. */
export function countdown(notice) {
  if (notice.days_left === null || notice.days_left === undefined || CLOSED.includes(notice.status)) return null;
  if (notice.days_left > 0) return t('landlord.notice.days_left', { n: notice.days_left });
  if (notice.days_left === 0) return t('landlord.notice.due_today');
  return t('landlord.notice.overdue_by', { n: -notice.days_left });
}

const urgency = (n) => (countdown(n) === null ? 'muted' : n.days_left < 0 ? 'error' : n.days_left <= 3 ? 'warn' : 'muted');

export async function noticesScreen() {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const [{ notices }, { houses }] = await Promise.all([api('/api/v1/notices'), api('/api/v1/houses')]);
  const byHouse = new Map(houses.map((x) => [x.id, { house: x, notices: [] }]));
  for (const n of notices) byHouse.get(n.house_id)?.notices.push(n);
  const groups = [...byHouse.values()].filter((g) => g.notices.length);
  const fresh = notices.filter((n) => n.status === 'issued').map((n) => n.id);
  if (fresh.length) writer('/api/v1/notices/delivered')({ ids: fresh }).catch(() => {}); // offline: next time
  show(
    h('h1', {}, t('menu.notices')),
    groups.length
      ? groups.map(({ house, notices: list }) => h('section', { 'data-house-id': house.id },
        h('h2', {}, [house.address, house.unit_label].filter(Boolean).join(' ')),
        h('ul', { class: 'list' }, list.map(noticeItem))))
      : h('p', { class: 'muted', id: 'notices-empty' }, t('landlord.notices.empty')),
  );
}

function noticeItem(n) {
  const unread = !n.read_at && !CLOSED.includes(n.status); // a closed notice asks nothing of the landlord
  const late = countdown(n) !== null && n.days_left < 0 && n.status === 'overdue'; // "已逾期 4 天" says it once
  return h('li', { 'data-notice-id': n.id, 'data-status': n.status },
    h('a', { href: `#/notices/${n.id}` },
      h('strong', {}, unread ? [h('span', { class: 'tag', 'data-unread': '' }, t('landlord.notice.unread')), ' '] : null, n.title), h('br'),
      h('span', { class: 'muted' }, [t(`landlord.notice.kind.${n.kind}`), late ? null : t(`landlord.notice.status.${n.status}`)].filter(Boolean).join(' · ')),
      countdown(n) ? [' · ', h('span', { class: urgency(n), 'data-countdown': n.days_left }, countdown(n))] : null,
    ),
  );
}

export async function noticeScreen(ctx, id) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  let notice = await api(`/api/v1/notices/${id}`);
  if (!notice.read_at && !CLOSED.includes(notice.status)) {
    notice = await writer(`/api/v1/notices/${id}/read`)({}).catch(() => notice); // offline: the receipt waits for the next open
  }
  const open = notice.items?.filter((i) => i.status === 'open') || [];
  const answering = notice.kind === 'rectification' && AWAITING_EVIDENCE.includes(notice.status) && open.length;
  show(
    h('h1', {}, notice.title),
    h('section', { class: 'card', id: 'notice', 'data-notice-id': notice.id, 'data-status': notice.status, 'data-read': notice.read_at ? '1' : '0' },
      h('p', {}, h('strong', {}, t(`landlord.notice.kind.${notice.kind}`)), ' · ', t(`landlord.notice.status.${notice.status}`)),
      notice.deadline ? h('p', {}, t('plate.deadline', { date: notice.deadline }), ' ', countdown(notice) ? h('span', { class: urgency(notice), id: 'notice-countdown' }, countdown(notice)) : null) : null,
      notice.body ? h('p', {}, notice.body) : null,
      notice.legal_basis ? h('p', { class: 'muted' }, t('landlord.notice.legal_basis', { basis: notice.legal_basis })) : null,
      notice.amount !== null && notice.amount !== undefined ? h('p', {}, t('landlord.notice.amount', { amount: notice.amount })) : null,
    ),
    notice.items?.length ? h('h2', {}, t('landlord.notice.items')) : null,
    answering ? evidenceForm(ctx, notice) : itemList(notice.items || []),
    h('a', { class: 'btn secondary', href: '#/notices' }, t('landlord.notices.back')),
  );
}

function itemList(items) {
  return h('ul', { class: 'list', id: 'notice-items' }, items.map((i) =>
    h('li', { 'data-item-id': i.id, 'data-status': i.status },
      h('p', {}, h('strong', {}, i.description), i.standard ? h('span', { class: 'muted' }, ` (${i.standard})`) : null),
      h('p', { class: 'muted' }, t(`landlord.item.status.${i.status}`), i.note ? ` · ${i.note}` : '', i.photos.length ? ` · ${t('landlord.item.photos', { n: i.photos.length })}` : ''),
    ),
  ));
}

function evidenceForm(ctx, notice) {
  const open = notice.items.filter((i) => i.status === 'open');
  const pickers = new Map(open.map((i) => [i.id, photoPicker({ name: `photos-${i.id}`, label: t('landlord.evidence.photos') })]));
  const summary = h('p', { class: 'error', role: 'alert' });
  const send = writer(`/api/v1/notices/${notice.id}/evidence`);
  const form = h('form', { id: 'evidence', novalidate: true },
    h('p', { class: 'muted' }, t('landlord.evidence.help')),
    open.map((i) => h('fieldset', { class: 'card', 'data-item-id': i.id },
      h('legend', {}, i.description),
      i.standard ? h('p', { class: 'muted' }, i.standard) : null,
      h('label', { for: `note-${i.id}` }, t('landlord.evidence.note')),
      h('textarea', { id: `note-${i.id}`, name: `note-${i.id}`, rows: '2', maxlength: '1000' }),
      pickers.get(i.id).element,
    )),
    h('div', { 'data-field': 'items' }),
    summary,
    h('button', { type: 'submit' }, t('landlord.evidence.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.textContent = '';
    const missing = open.find((i) => !form.elements[`note-${i.id}`].value.trim() || !pickers.get(i.id).ids().length);
    if (missing) {
      summary.textContent = t('landlord.evidence.incomplete', { item: missing.description });
      return;
    }
    if (open.some((i) => pickers.get(i.id).busy())) {
      summary.textContent = t('landlord.photos.wait');
      return;
    }
    const items = open.map((i) => ({ item_id: i.id, note: form.elements[`note-${i.id}`].value.trim(), photos: pickers.get(i.id).ids() }));
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await send({ items });
      toast(t('landlord.evidence.sent'));
      ctx.navigate(`#/notices/${notice.id}`);
    } catch (err) {
      const rest = showFieldErrors(form, err.fields);
      summary.textContent = [err.message, ...Object.values(rest)].filter(Boolean).join(' ');
      button.disabled = false;
    }
  });
  return form;
}
