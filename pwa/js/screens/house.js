// A house's record for staff in scope (GET /houses/{id}: occupants masked, the read audited): colour, status,
// plate, capacity, open obligations and notices, the latest steps of its timeline (GET /houses/{id}/timeline);
// a fire officer's actions, reopening a suspended or closed house among them (or what stands in its way).
import { api } from '../api.js';
import { h, show, showFieldErrors, toast } from '../dom.js';
import { formatTime, t } from '../i18n.js';
import { sendOrQueue } from './fire.js';
import { colourTag, place } from './grid-houses.js';

const TIMELINE_SHOWN = 8;
const AWAITING_INSPECTION = ['submitted', 'overdue', 'escalated'];
const RESOLVERS = ['police', 'supervisor'];

/**
 * Police only: a person's full name, ID number and phone, for a stated reason (the server audits it). Shown on the
 * page and nowhere else: the answer to a POST is never cached, nothing is stored.
 */
// An identity conflict at check-in (POST /tenancies/{id}/resolve settles it): what was presented, masked.
const conflictText = (p) => (p.conflict === 'open' && p.presented ? t('staff.conflict', p.presented) : null);

function revealButton(person) {
  const li = h('li', { 'data-person-id': person.person_id });
  const masked = h('span', {}, [person.name, person.room, person.phone, conflictText(person)].filter(Boolean).join(' · '));
  const open = () => {
    const summary = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'reveal', novalidate: true },
      h('label', { for: `reason-${person.person_id}` }, t('police.reason')),
      h('input', { id: `reason-${person.person_id}`, name: 'reason', maxlength: '300', required: true }),
      summary,
      h('button', { type: 'submit', class: 'small' }, t('police.reveal_submit')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const clear = await api(`/api/v1/people/${person.person_id}/reveal`, { method: 'POST', body: { reason: form.elements.reason.value.trim() } });
        // Only the masked line and this form give way: a conflict's resolve form below stays.
        masked.replaceWith(h('strong', { class: 'revealed' }, [clear.name, clear.id_number, clear.phone].join(' · ')));
        form.replaceWith(h('p', { class: 'muted' }, t('police.revealed')));
      } catch (err) {
        showFieldErrors(form, err.fields);
        summary.textContent = err.message;
      }
    });
    button.after(form);
    button.remove();
    form.elements.reason.focus();
  };
  const button = h('button', { type: 'button', class: 'small secondary', 'data-action': 'reveal', onclick: open }, t('police.reveal'));
  li.append(masked, ' ', button);
  return li;
}

const OUTCOMES = ['keep', 'correct', 'refuse'];

/**
 * Police or a supervisor in scope: settle an open identity conflict (POST /tenancies/{id}/resolve, a reason
 * required, audited) through the outbox like every staff write (its item id is the Idempotency-Key). keep: the
 * stored record stays and the check-in goes on to the landlord; correct: the stored record takes what was
 * presented; refuse: the check-in is refused and its place freed.
 */
function resolveSection(ctx, card, person) {
  const id = person.tenancy_id;
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card resolve', novalidate: true, 'data-tenancy-id': id },
    h('h3', {}, t('conflict.title')),
    h('p', { class: 'muted' }, t('conflict.help')),
    h('div', { 'data-field': 'outcome', class: 'choices', role: 'radiogroup' }, OUTCOMES.map((o) =>
      h('label', { class: 'check' },
        h('input', { type: 'radio', name: 'outcome', value: o }),
        h('span', {}, h('strong', {}, t(`conflict.${o}`)), h('br'),
          h('span', { class: 'muted' }, t(`conflict.${o}_help`, person.presented || {})))))),
    h('div', { 'data-field': 'reason' },
      h('label', { for: `resolve-reason-${id}` }, t('conflict.reason')),
      h('input', { id: `resolve-reason-${id}`, name: 'reason', maxlength: '300' })),
    summary,
    h('button', { type: 'submit' }, t('conflict.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { outcome: form.elements.outcome.value, reason: form.elements.reason.value.trim() };
    const missing = {};
    if (!body.outcome) missing.outcome = t('conflict.choose');
    if (body.reason.length < 4) missing.reason = t('conflict.reason_short');
    showFieldErrors(form, missing);
    summary.textContent = Object.keys(missing).length ? t('fire.check_fields') : '';
    if (Object.keys(missing).length) { form.querySelector('.field-error')?.scrollIntoView({ block: 'center' }); return; }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const label = `${t('conflict.title')} · ${place(card)}`;
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/tenancies/${id}/resolve`, body, label });
    button.disabled = false;
    if (outcome === 'refused') return;
    const text = t(outcome === 'sent' ? `conflict.done_${body.outcome}` : 'fire.queued');
    form.replaceWith(h('p', { class: 'resolved', role: 'status', 'data-outcome': body.outcome, 'data-sent': outcome }, text));
    toast(text);
  });
  return form;
}

/** One step of the timeline in words; a missing name shows as nothing rather than "null". */
function eventText(event) {
  const params = Object.fromEntries(Object.entries(event).map(([k, v]) => [k, v ?? '']));
  if (event.kind === 'verified') params.outcome = t(`verify.outcome.${event.outcome}`);
  if (event.kind === 'house_status') {
    const key = event.status === 'active' ? 'reopened' : event.status;
    return t(`staff.event.house_${key}`, params).replace(/（）|\(\)/, '').trim();
  }
  return t(`staff.event.${event.kind}`, params).trim();
}

/**
 * A suspended or closed house: the reopen form, or what must happen first, in that order: every rectification
 * order passed at re-inspection, then every penalty decision closed (it keeps the plate red; the server refuses
 * with reopen_needs_reinspection / reopen_needs_penalty_closed, so the page and the server say the same).
 */
function reopenSection(ctx, card, notices) {
  if (!['suspended', 'closed'].includes(card.status)) return null;
  const blocker = notices.find((n) => n.kind === 'rectification') || notices.find((n) => n.kind === 'penalty');
  if (blocker) {
    return h('section', { class: 'card', id: 'reopen', 'data-blocked': blocker.kind },
      h('h2', {}, t('fire.reopen')),
      h('p', { class: 'error' }, t(`fire.reopen_blocked_${blocker.kind}`)),
      h('a', { href: `#/notice/${blocker.id}`, 'data-notice-id': blocker.id }, blocker.title));
  }
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', id: 'reopen', novalidate: true },
    h('h2', {}, t('fire.reopen')),
    h('p', { class: 'muted' }, t('fire.reopen_help')),
    h('div', { 'data-field': 'reason' },
      h('label', { for: 'r-reason' }, t('fire.reopen_reason')), h('input', { id: 'r-reason', name: 'reason', maxlength: '500' })),
    summary,
    h('button', { type: 'submit' }, t('fire.reopen_submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { status: 'active', reason: form.elements.reason.value.trim() };
    const label = `${t('fire.reopen')} · ${place(card)}`;
    const outcome = await sendOrQueue(ctx, form, { method: 'POST', url: `/api/v1/houses/${card.id}/status`, body, label });
    if (outcome === 'refused') return;
    toast(t(outcome === 'sent' ? 'fire.reopened' : 'fire.queued'));
    ctx.navigate(`#/house/${card.id}`);
  });
  return form;
}

/** A fire officer's open notices of this house, each with what can be done next. */
function officerNotices(notices) {
  if (!notices.length) return h('p', { class: 'muted' }, t('fire.no_open_notices'));
  return h('ul', { class: 'list', id: 'house-notices' }, notices.map((n) =>
    h('li', { 'data-notice-id': n.id },
      h('a', { href: `#/notice/${n.id}` },
        h('strong', {}, n.title), h('br'),
        h('span', { class: 'muted' }, [t(`fire.kind.${n.kind}`), t(`fire.status.${n.status}`),
          n.deadline ? t('fire.deadline', { date: n.deadline }) : null].filter(Boolean).join(' · ')),
        n.kind === 'rectification' && AWAITING_INSPECTION.includes(n.status) ? [' ', h('span', { class: 'tag' }, t('fire.to_reinspect'))] : null,
      ))));
}

export async function houseScreen(ctx, id) {
  show(h('p', { class: 'muted' }, t('app.loading')));
  // The timeline is its own paged read: only its latest steps, scans left out.
  const [card, timeline] = await Promise.all([
    api(`/api/v1/houses/${id}`),
    api(`/api/v1/houses/${id}/timeline?limit=${TIMELINE_SHOWN}&scans=0`),
  ]);
  const officer = ctx.session.user.role === 'fire_officer';
  // A grid worker at a house still awaiting its visit: the verification form, one tap away.
  const task = ctx.session.user.role === 'grid_worker'
    ? (await api('/api/v1/tasks').catch(() => ({ tasks: [] }))).tasks.find((x) => x.house_id === card.id)
    : null;
  const open = officer ? (await api(`/api/v1/notices?house=${card.id}&open=1`)).notices : [];
  const notices = officer
    ? officerNotices(open)
    : card.notices.length
      ? h('ul', { class: 'list rows', id: 'house-notices' }, card.notices.map((n) => h('li', {}, h('strong', {}, n.title), ' · ',
        t(`fire.status.${n.status}`), n.deadline ? ` · ${t('fire.deadline', { date: n.deadline })}` : '')))
      : h('p', { class: 'muted' }, t('fire.no_open_notices'));
  show(
    h('h1', {}, t('staff.house_title')),
    h('section', { class: 'card', 'data-colour': card.colour, id: 'house-card', 'data-house-id': card.id },
      h('div', { class: `band ${card.colour}` }, h('strong', {}, t(`colour.${card.colour}`))),
      h('p', { class: 'address' }, h('strong', {}, place(card))),
      h('p', {}, t(`house.status.${card.status}`), ' · ', t('plate.short_code'), ' ', h('span', { class: 'code' }, card.doorplate.short_code)),
      h('p', { class: 'muted' }, [t('staff.occupancy', { n: card.occupants_count, max: card.max_occupants ?? '?' }),
        card.rooms ? t('staff.rooms', { n: card.rooms, area: card.floor_area ?? '?' }) : null].filter(Boolean).join(' · ')),
      h('p', { class: 'muted' }, t('staff.scans', { n: card.scans_total })),
    ),
    officer ? h('a', { class: 'btn', href: `#/house/${card.id}/notice`, id: 'issue-notice' }, t('fire.issue')) : null,
    officer ? reopenSection(ctx, card, open) : null,
    task ? h('a', { class: 'btn', href: `#/tasks/${task.id}`, id: 'verify-house' }, t('verify.title')) : null,
    h('h2', {}, t('staff.notices')),
    notices,
    card.obligations.length ? [h('h2', {}, t('staff.obligations')),
      h('ul', { class: 'list rows' }, card.obligations.map((o) => h('li', { class: o.state === 'overdue' ? 'error' : null },
        t(`staff.obligation.${o.kind}`), ' · ', t('staff.due', { date: o.due_date }), o.state === 'overdue' ? ` · ${t('staff.overdue')}` : '')))] : null,
    card.occupants.length ? [h('h2', {}, t('staff.occupants', { n: card.occupants.length })),
      h('ul', { class: 'list rows', id: 'occupants' }, card.occupants.map((p) => {
        const li = ctx.session.user.role === 'police'
          ? revealButton(p)
          : h('li', {}, [p.name, p.room, p.phone, conflictText(p)].filter(Boolean).join(' · '));
        if (RESOLVERS.includes(ctx.session.user.role) && p.conflict === 'open') li.append(resolveSection(ctx, card, p));
        return li;
      }))] : null,
    h('h2', {}, t('staff.timeline')),
    h('ul', { class: 'list timeline' }, timeline.events.slice(0, TIMELINE_SHOWN).map((e) =>
      h('li', {}, h('span', { class: 'muted' }, formatTime(Date.parse(e.at))), ' ', eventText(e)))),
  );
}
