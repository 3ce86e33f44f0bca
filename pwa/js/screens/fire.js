// 消防 for fire officers: issue a notice to a house (reminder / rectification with items, deadline and legal basis /
// penalty with amount, basis and decision number), my open notices soonest deadline first, and re-inspection
// (pass or fail each item; failed items carry over to a new order with a new deadline). The writes go through
// the outbox with a client id, so they work offline and a replay never issues or inspects twice.
import { api } from '../api.js';
import { h, show, showFieldErrors, toast } from '../dom.js';
import { t } from '../i18n.js';
import { place, shortPlace } from './grid-houses.js';

const KINDS = ['reminder', 'rectification', 'penalty'];
const AWAITING_INSPECTION = ['submitted', 'overdue', 'escalated'];
export const RECTIFY_DAYS = 30; // Danville's 30 days to correct
export const REINSPECT_DAYS = 5; // Accela: the re-inspection of failed items about 5 days out

/** yyyy-mm-dd, days from today, in the phone's own calendar. */
export function dayFrom(days, from = new Date()) {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
}

/**
 * Queue the write and try to send it now. Online, a refusal comes straight back: the fields are marked on the
 * form and the item is dropped (the user fixes and sends again); offline it waits in the outbox.
 * → 'sent' | 'queued' | 'refused'.
 */
export async function sendOrQueue(ctx, form, write) {
  const item = await ctx.outbox.add(write);
  for (let i = 0; i < 2; i += 1) await ctx.outbox.flush().catch(() => {});
  const { pending, attention } = await ctx.outbox.status();
  const refused = attention.find((i) => i.id === item.id);
  if (refused) {
    await ctx.outbox.discard(item.id);
    const leftover = showFieldErrors(form, refused.lastError.fields);
    form.querySelector('[role=alert]').textContent = [refused.lastError.message, ...Object.values(leftover)].filter(Boolean).join(' ');
    return 'refused';
  }
  return pending.some((i) => i.id === item.id) ? 'queued' : 'sent';
}

const field = (name, input, help) => [h('label', { for: `n-${name}` }, t(`fire.field.${name}`)), input, help ? h('p', { class: 'muted' }, help) : null];

export async function noticeNewScreen(ctx, houseId) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const card = await api(`/api/v1/houses/${houseId}`);
  const summary = h('p', { class: 'error', role: 'alert' });
  const parts = {
    rectification: h('fieldset', { class: 'plain', 'data-kind': 'rectification' },
      field('items', h('textarea', { id: 'n-items', name: 'items', rows: '4', placeholder: t('fire.items_placeholder') }), t('fire.items_help')),
      field('deadline', h('input', { id: 'n-deadline', name: 'deadline', type: 'date', value: dayFrom(RECTIFY_DAYS), min: dayFrom(1), max: dayFrom(365) }))),
    penalty: h('fieldset', { class: 'plain', 'data-kind': 'penalty' },
      field('amount', h('input', { id: 'n-amount', name: 'amount', type: 'number', inputmode: 'decimal', min: '0.01', step: '0.01' })),
      field('decision_number', h('input', { id: 'n-decision_number', name: 'decision_number', maxlength: '64' }))),
  };
  const basis = h('div', {}, field('legal_basis', h('input', { id: 'n-legal_basis', name: 'legal_basis', maxlength: '500', value: t('fire.basis_default') })));
  const form = h('form', { id: 'notice-form', novalidate: true },
    h('div', { 'data-field': 'kind', class: 'choices' }, KINDS.map((k) =>
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'kind', value: k, checked: k === 'rectification' }), h('span', {}, t(`fire.kind.${k}`))))),
    field('title', h('input', { id: 'n-title', name: 'title', maxlength: '200', required: true })),
    field('body', h('textarea', { id: 'n-body', name: 'body', rows: '3', maxlength: '5000' })),
    basis, parts.rectification, parts.penalty, summary,
    h('button', { type: 'submit' }, t('fire.issue_submit')),
  );
  const sync = () => {
    const kind = form.elements.kind.value;
    parts.rectification.hidden = kind !== 'rectification';
    parts.penalty.hidden = kind !== 'penalty';
    basis.hidden = kind === 'reminder';
  };
  form.addEventListener('change', sync);
  sync();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const kind = form.elements.kind.value;
    const value = (name) => form.elements[name].value.trim();
    const body = { kind, title: value('title') };
    if (value('body')) body.body = value('body');
    if (kind !== 'reminder') body.legal_basis = value('legal_basis');
    if (kind === 'rectification') {
      body.deadline = value('deadline');
      body.items = value('items').split('\n').map((line) => line.trim()).filter(Boolean).map((description) => ({ description }));
    }
    if (kind === 'penalty') Object.assign(body, { amount: Number(value('amount')), decision_number: value('decision_number') });
    const missing = Object.fromEntries(['title', 'legal_basis', 'deadline', 'decision_number']
      .filter((name) => name in body && !body[name]).map((name) => [name, t('fire.required')]));
    if (kind === 'rectification' && !body.items.length) missing.items = t('fire.required');
    if (kind === 'penalty' && !(body.amount > 0)) missing.amount = t('fire.required');
    showFieldErrors(form, missing);
    if (Object.keys(missing).length) { summary.textContent = t('fire.check_fields'); return; }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const label = `${t(`fire.kind.${kind}`)} · ${place(card)}`;
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/houses/${card.id}/notices`, body, label });
    button.disabled = false;
    if (outcome === 'refused') return;
    toast(t(outcome === 'sent' ? 'fire.issued' : 'fire.queued'));
    ctx.navigate(`#/house/${card.id}`);
  });
  show(h('h1', {}, t('fire.issue')), h('p', {}, h('strong', {}, place(card))), form);
}

function noticeItem(n) {
  const late = n.days_left !== null && n.days_left < 0;
  return h('li', { 'data-notice-id': n.id, 'data-status': n.status },
    h('a', { href: `#/notice/${n.id}` },
      h('strong', {}, n.title), h('br'),
      h('span', {}, shortPlace(n)), h('br'),
      h('span', { class: late ? 'error' : 'muted' }, [
        // "已逾期 · …已逾期 4 天" said it twice: the days late say it once.
        t(`fire.kind.${n.kind}`), late && n.deadline && n.status === 'overdue' ? null : t(`fire.status.${n.status}`),
        n.deadline ? t(late ? 'fire.days_late' : 'fire.days_left', { n: Math.abs(n.days_left), date: n.deadline }) : null,
      ].filter(Boolean).join(' · ')),
      n.kind === 'rectification' && AWAITING_INSPECTION.includes(n.status) ? [' ', h('span', { class: 'tag' }, t('fire.to_reinspect'))] : null,
    ));
}

export async function myNoticesScreen(ctx, query) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const all = query?.get('all') === '1';
  const { notices } = await api(`/api/v1/notices?open=1${all ? '' : '&mine=1'}`);
  show(
    h('h1', {}, t(all ? 'fire.area_notices' : 'menu.my_notices')),
    h('p', { class: 'muted' }, t('fire.by_deadline'), ' · ',
      h('a', { href: all ? '#/my-notices' : '#/my-notices?all=1', id: 'notices-scope' }, t(all ? 'fire.only_mine' : 'fire.whole_area'))),
    notices.length ? h('ul', { class: 'list', id: 'notices' }, notices.map(noticeItem)) : h('p', { class: 'muted', id: 'notices' }, t('fire.no_open_notices')),
  );
}

export async function reinspectListScreen() {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const { notices } = await api('/api/v1/notices?open=1');
  const due = notices.filter((n) => n.kind === 'rectification' && AWAITING_INSPECTION.includes(n.status));
  // Evidence in first (the landlord says it is fixed), then the overdue ones, each soonest deadline first.
  due.sort((a, b) => (a.status === 'submitted' ? 0 : 1) - (b.status === 'submitted' ? 0 : 1));
  show(
    h('h1', {}, t('menu.reinspect')),
    h('p', { class: 'muted' }, t('fire.reinspect_help')),
    due.length ? h('ul', { class: 'list', id: 'notices' }, due.map(noticeItem)) : h('p', { class: 'muted', id: 'notices' }, t('fire.nothing_to_reinspect')),
  );
}

/** One notice: its items with the landlord's evidence; a re-inspection form while it awaits one. */
export async function noticeScreen(ctx, id) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  const notice = await api(`/api/v1/notices/${id}`);
  const queued = (await ctx.outbox.status()).pending.some((i) => i.url === `/api/v1/notices/${notice.id}/reinspect`);
  const inspect = notice.kind === 'rectification' && AWAITING_INSPECTION.includes(notice.status) && !queued;
  const pending = notice.items.filter((i) => ['submitted', 'open'].includes(i.status));
  const summary = h('p', { class: 'error', role: 'alert' });
  const deadline = h('div', { hidden: true },
    field('deadline', h('input', { id: 'n-deadline', name: 'deadline', type: 'date', value: dayFrom(REINSPECT_DAYS), min: dayFrom(1), max: dayFrom(365) }), t('fire.carry_over')));
  const items = notice.items.map((item) => h('li', { 'data-item-id': item.id, class: 'card' },
    h('strong', {}, item.description),
    item.standard ? h('p', { class: 'muted' }, item.standard) : null,
    h('p', { class: 'muted' }, t(`fire.item.${item.status}`), item.note ? ` · ${item.note}` : ''),
    item.photos.length ? h('div', { class: 'thumbs' }, item.photos.map((p) => h('img', { src: `/api/v1/photos/${p}`, alt: t('fire.evidence_photo'), loading: 'lazy' }))) : null,
    // Only evidence lets an item pass: one without (the landlord sent nothing) can only fail, carried over.
    inspect && pending.includes(item) ? h('div', { class: 'row verdict', 'data-field': `results.${item.id}` },
      ['passed', 'failed'].filter((v) => v === 'failed' || item.status === 'submitted').map((v) => h('label', { class: 'check' },
        h('input', { type: 'radio', name: `item-${item.id}`, value: v, 'data-verdict': v }), h('span', {}, t(`fire.verdict.${v}`))))) : null,
  ));
  const form = h('form', { id: 'reinspect', novalidate: true },
    items.length ? h('ul', { class: 'list' }, items) : h('p', { class: 'muted' }, t('fire.no_items')), inspect ? [deadline, summary, h('button', { type: 'submit' }, t('fire.reinspect_submit'))] : null);
  form.addEventListener('change', () => {
    deadline.hidden = !pending.some((item) => form.elements[`item-${item.id}`]?.value === 'failed');
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const results = Object.fromEntries(pending.map((item) => [item.id, form.elements[`item-${item.id}`].value]));
    if (Object.values(results).some((v) => !v)) { summary.textContent = t('fire.verdict_every_item'); return; }
    const body = { results };
    if (Object.values(results).includes('failed')) body.deadline = form.elements.deadline.value;
    const label = `${t('menu.reinspect')} · ${notice.title}`;
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/notices/${notice.id}/reinspect`, body, label });
    if (outcome === 'refused') return;
    toast(t(outcome === 'sent' ? 'fire.reinspected' : 'fire.queued'));
    ctx.navigate('#/reinspect');
  });
  show(
    h('h1', {}, notice.title),
    h('p', { class: 'muted', id: 'notice-meta', 'data-status': notice.status }, [t(`fire.kind.${notice.kind}`), t(`fire.status.${notice.status}`),
      notice.deadline ? t('fire.deadline', { date: notice.deadline }) : null].filter(Boolean).join(' · ')),
    notice.legal_basis ? h('p', { class: 'muted' }, t('fire.field.legal_basis'), ': ', notice.legal_basis) : null,
    notice.kind === 'penalty' ? h('p', { id: 'penalty-line' }, penaltyLine(notice)) : null,
    notice.body ? h('p', {}, notice.body) : null,
    queued ? h('p', { class: 'tag' }, t('fire.reinspect_queued')) : null,
    h('a', { href: `#/house/${notice.house_id}` }, t('staff.house_title')),
    form,
    ['overdue', 'escalated'].includes(notice.status) ? escalateForm(ctx, notice) : null,
    notice.kind === 'penalty' && !['closed', 'cancelled'].includes(notice.status) ? resolveForm(ctx, notice) : null,
  );
}

const given = (v) => v !== null && v !== undefined && v !== '';

/** 罚款 … 元 · 文号 …: a part not filled in says so, never "null". */
export function penaltyLine(notice) {
  return [
    given(notice.amount) ? t('fire.penalty_amount', { amount: notice.amount }) : t('fire.penalty_amount_missing'),
    given(notice.decision_number) ? t('fire.penalty_number', { number: notice.decision_number }) : t('fire.penalty_number_missing'),
  ].join(' · ');
}

/**
 * An open penalty decision keeps the plate red: closed here once paid or enforced (the house can then reopen).
 * Closing cannot be undone: the first tap asks, in the page, and only the confirming tap sends it.
 */
function resolveForm(ctx, notice) {
  const summary = h('p', { class: 'error', role: 'alert' });
  const ask = h('p', { class: 'warn', id: 'resolve-confirm-text', hidden: true }, t('fire.close_confirm_text'));
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'resolve-cancel', hidden: true }, t('fire.close_cancel'));
  const submit = h('button', { type: 'submit' }, t('fire.close_resolved'));
  const form = h('form', { id: 'resolve', novalidate: true }, summary, ask, submit, cancel);
  const asking = (on) => {
    ask.hidden = !on;
    cancel.hidden = !on;
    form.dataset.confirming = on ? '1' : '';
    submit.textContent = t(on ? 'fire.close_confirm' : 'fire.close_resolved');
  };
  cancel.addEventListener('click', () => asking(false));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.dataset.confirming) { asking(true); ask.scrollIntoView({ block: 'center' }); return; }
    asking(false);
    const label = `${t('fire.close_resolved')} · ${notice.title}`;
    const body = { outcome: 'resolved' };
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/notices/${notice.id}/close`, body, label });
    if (outcome === 'refused') return;
    toast(t(outcome === 'sent' ? 'fire.closed_resolved' : 'fire.queued'));
    ctx.navigate(`#/house/${notice.house_id}`);
  });
  return form;
}

/** Past the deadline (逾期): a penalty decision and/or suspending or closing (取缔) the house, through the outbox. */
function escalateForm(ctx, notice) {
  const summary = h('p', { class: 'error', role: 'alert' });
  const input = (name, attrs = {}) => [h('label', { for: `e-${name}` }, t(`fire.field.${name}`)), h('input', { id: `e-${name}`, name, ...attrs })];
  const penalty = h('fieldset', { class: 'plain', hidden: true },
    input('amount', { type: 'number', inputmode: 'decimal', min: '0.01', step: '0.01' }),
    input('decision_number', { maxlength: '64' }),
    input('legal_basis', { maxlength: '500', value: notice.legal_basis || t('fire.basis_default') }));
  const form = h('form', { id: 'escalate', novalidate: true },
    h('h2', {}, t('fire.escalate')),
    h('p', { class: 'muted' }, t('fire.escalate_help')),
    h('div', { 'data-field': 'house_action' }, ['', 'suspend', 'close'].map((a) =>
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'house_action', value: a, checked: a === '' }), h('span', {}, t(`fire.house_action.${a || 'none'}`))))),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'with_penalty' }), h('span', {}, t('fire.with_penalty'))),
    penalty, summary,
    h('button', { type: 'submit', class: 'danger' }, t('fire.escalate_submit')));
  form.addEventListener('change', () => { penalty.hidden = !form.elements.with_penalty.checked; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {};
    if (form.elements.house_action.value) body.house_action = form.elements.house_action.value;
    if (form.elements.with_penalty.checked) {
      body.penalty = {
        title: t('fire.penalty_title', { title: notice.title }), amount: Number(form.elements.amount.value),
        decision_number: form.elements.decision_number.value.trim(), legal_basis: form.elements.legal_basis.value.trim(),
      };
    }
    if (!body.house_action && !body.penalty) { summary.textContent = t('fire.escalate_empty'); return; }
    const label = `${t('fire.escalate')} · ${notice.title}`;
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/notices/${notice.id}/escalate`, body, label });
    if (outcome === 'refused') return;
    toast(t(outcome === 'sent' ? 'fire.escalated' : 'fire.queued'));
    ctx.navigate(`#/house/${notice.house_id}`);
  });
  return form;
}
