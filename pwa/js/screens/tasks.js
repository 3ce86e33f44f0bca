// 核验赋码 for grid workers: open tasks nearest first from a GPS fix, and the visit form with camera photos. Works
// offline: the list comes from the service worker's cache, the photos and the visit go through the outbox (sent when
// the network returns, photos first). An approval far from the door or without a fix goes to the township
// supervisor's review (the server decides; the worker is told), and the supervisor's review list is here too.
import { api, ApiError } from '../api.js';
import { VERIFICATION } from '../checklists.js';
import { h, show, toast } from '../dom.js';
import { locate } from '../geo.js';
import { formatTime, t } from '../i18n.js';
import { onThisScreen } from '../navigation.js';
import { photoPicker, queueWithPhotos } from '../photos.js';

const VERIFY_URL = /^\/api\/v1\/tasks\/(\d+)\/verify$/;
let lastTasks = new Map(); // id → task, for the form when the list was just shown

function fixText(fix) {
  return t('geo.fix', { accuracy: Math.round(fix.accuracy) });
}

function geoError(err) {
  return t(`geo.error.${err.code || 'unavailable'}`);
}

/** Task ids with a visit already waiting in the outbox: they must not be verified twice. */
async function queuedTaskIds(outbox) {
  const { pending, attention } = await outbox.status();
  return new Set([...pending, ...attention].map((i) => VERIFY_URL.exec(i.url)?.[1]).filter(Boolean).map(Number));
}

async function loadTasks(fix) {
  const query = fix ? `?lon=${fix.lon.toFixed(6)}&lat=${fix.lat.toFixed(6)}` : '';
  const { tasks } = await api(`/api/v1/tasks${query}`);
  lastTasks = new Map(tasks.map((task) => [task.id, task]));
  return tasks;
}

export async function tasksScreen(ctx) {
  const position = h('p', { class: 'muted', id: 'position' }, t('geo.locating'));
  const list = h('ul', { class: 'list', id: 'tasks' });
  show(h('h1', {}, t('tasks.title')), position, list);
  let fix = null;
  try {
    fix = await onThisScreen(locate()); // a fix found after the user left draws nothing
    position.textContent = fixText(fix);
  } catch (err) {
    position.textContent = `${geoError(err)} ${t('tasks.unsorted')}`;
  }
  const tasks = await loadTasks(fix);
  const queued = await queuedTaskIds(ctx.outbox);
  if (!tasks.length) list.replaceWith(h('p', { class: 'muted', id: 'tasks' }, t('tasks.empty')));
  list.append(...tasks.map((task) =>
    h('li', {},
      h('a', { href: `#/tasks/${task.id}`, 'data-task': task.id },
        h('strong', {}, [task.address, task.unit_label].filter(Boolean).join(' ')),
        h('br'),
        h('span', { class: 'muted' }, [
          task.distance_m === null ? null : t('tasks.distance', { m: Math.round(task.distance_m) }),
          t('tasks.declared', { date: formatTime(Date.parse(task.declared_at)) }),
        ].filter(Boolean).join(' · ')),
        queued.has(task.id) ? [' ', h('span', { class: 'tag' }, t('tasks.queued'))] : null,
        task.sent_back ? [h('br'), h('span', { class: 'error', 'data-sent-back': '' }, t('tasks.sent_back', { reason: task.sent_back }))] : null,
      ),
    ),
  ));
}

export async function verifyScreen(ctx, id) {
  const taskId = Number(id);
  const task = lastTasks.get(taskId) || (await loadTasks(null)).find((x) => x.id === taskId);
  if (!task) {
    show(h('h1', {}, t('verify.title')), h('p', { class: 'error' }, t('verify.no_task')));
    return;
  }
  if ((await queuedTaskIds(ctx.outbox)).has(taskId)) {
    show(h('h1', {}, t('verify.title')), h('p', {}, t('verify.already_queued')), h('a', { class: 'btn secondary', href: '#/outbox' }, t('menu.outbox')));
    return;
  }
  let fix = null;
  let warnedNoFix = false;
  const position = h('span', { id: 'fix' }, t('geo.locating'));
  const relocate = async () => {
    position.textContent = t('geo.locating');
    try {
      fix = await onThisScreen(locate({ maxAgeMs: 0 }));
      position.textContent = fixText(fix);
    } catch (err) {
      position.textContent = geoError(err);
    }
  };
  const summary = h('p', { class: 'error', role: 'alert' });
  const picker = photoPicker({ id: 'verify-photos' });
  const form = h(
    'form',
    { id: 'verify', novalidate: true },
    h('p', { class: 'row' }, position, h('button', { type: 'button', class: 'small secondary', onclick: relocate }, t('geo.again'))),
    h('h2', {}, t('verify.checklist')),
    VERIFICATION.map((item) =>
      h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: `check.${item.id}`, 'data-item': item.id }),
        h('span', {}, t(`checklist.verification.${item.id}`), item.required ? ' *' : ''),
      ),
    ),
    h('h2', {}, t('verify.outcome')),
    h('div', { 'data-field': 'outcome' },
      ['approved', 'rejected', 'needs_fix'].map((o) =>
        h('label', { class: 'check' }, h('input', { type: 'radio', name: 'outcome', value: o }), h('span', {}, t(`verify.outcome.${o}`))),
      ),
    ),
    h('label', { for: 'reasons' }, t('verify.reasons')),
    h('textarea', { id: 'reasons', name: 'reasons', rows: '3' }),
    h('label', { for: 'note' }, t('verify.note')),
    h('textarea', { id: 'note', name: 'note', rows: '2', maxlength: '500' }),
    h('h2', {}, t('verify.photos')),
    picker.element,
    summary,
    h('button', { type: 'submit' }, t('verify.submit')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const outcome = form.elements.outcome.value;
    const reasons = form.elements.reasons.value.split('\n').map((r) => r.trim()).filter(Boolean);
    const problem = !outcome ? 'verify.need_outcome' : outcome !== 'approved' && !reasons.length ? 'verify.need_reasons' : null;
    if (problem) {
      summary.textContent = t(problem);
      return;
    }
    if (!fix && !warnedNoFix) { // a second tap sends it without a position: it then goes to review
      warnedNoFix = true;
      summary.textContent = t('verify.no_fix_warning');
      return;
    }
    const checklist = Object.fromEntries(VERIFICATION.map((item) => [item.id, form.elements[`check.${item.id}`].checked]));
    const body = { outcome, checklist };
    if (fix) Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy: Math.round(fix.accuracy * 10) / 10 });
    if (reasons.length) body.reasons = reasons;
    if (form.elements.note.value.trim()) body.note = form.elements.note.value.trim();
    form.querySelector('button[type=submit]').disabled = true;
    // The photos go first, each under its own client id; the visit follows with their server ids (outbox.js).
    const write = { method: 'POST', url: `/api/v1/tasks/${taskId}/verify`, body, label: task.address };
    let review = false;
    const stop = ctx.outbox.onDone((done, data) => { if (data?.outcome === 'needs_review') review = true; });
    const item = await queueWithPhotos(ctx.outbox, picker.shots(), write);
    // Twice: a round already under way (a timer's) may have started before this item existed.
    for (let i = 0; i < 2; i += 1) await ctx.outbox.flush().catch(() => {});
    stop();
    const { pending, attention } = await ctx.outbox.status();
    const left = [...pending, ...attention].some((i) => i.id === item.id);
    toast(t(left ? 'verify.queued' : review ? 'verify.review' : 'verify.sent'), review ? 8000 : undefined);
    ctx.navigate('#/tasks');
  });
  show(
    h('h1', {}, t('verify.title')),
    h('p', {}, h('strong', {}, [task.address, task.unit_label].filter(Boolean).join(' '))),
    h('p', { class: 'muted' }, t('verify.declared_capacity', { n: task.max_occupants ?? '?' })),
    form,
  );
  relocate();
}

/** A visit sent later from the outbox that went to review: say so wherever the worker is (app.js). */
export function isReviewAnswer(item, data) {
  return VERIFY_URL.test(item.url) && data?.outcome === 'needs_review';
}

function reviewText(visit) {
  if (visit.distance_m === null) return t('reviews.no_fix');
  return t('reviews.far', { distance: Math.round(visit.distance_m), accuracy: Math.round(visit.accuracy_m ?? 0) });
}

/** The township supervisor's review list: approvals made far from the door or without a fix; approve or send back. */
export async function reviewsScreen(ctx) {
  const { reviews } = await api('/api/v1/reviews');
  const decide = async (taskId, decision, reason, problem) => {
    if (decision === 'sent_back' && !reason) {
      problem.textContent = t('reviews.need_reason');
      return;
    }
    try {
      await api(`/api/v1/reviews/${taskId}`, { method: 'POST', body: reason ? { decision, reason } : { decision } });
      toast(t(`reviews.done.${decision}`));
      await reviewsScreen(ctx);
    } catch (err) {
      problem.textContent = err instanceof ApiError ? err.message : t('error.generic');
    }
  };
  const items = reviews.map((r) => {
    const reason = h('textarea', { rows: '2', maxlength: '500', 'aria-label': t('reviews.reason'), placeholder: t('reviews.reason') });
    const problem = h('p', { class: 'error', role: 'alert' });
    return h('li', { 'data-task': String(r.task_id) },
      h('strong', {}, [r.address, r.unit_label].filter(Boolean).join(' ')),
      h('p', { class: 'muted' }, t('reviews.by', { worker: r.worker, time: formatTime(Date.parse(r.visited_at)) })),
      h('p', {}, reviewText(r.visit)),
      reason,
      problem,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'small', onclick: () => decide(r.task_id, 'approved', '', problem) }, t('reviews.approve')),
        h('button', { type: 'button', class: 'small secondary', onclick: () => decide(r.task_id, 'sent_back', reason.value.trim(), problem) }, t('reviews.send_back'))),
    );
  });
  show(
    h('h1', {}, t('reviews.title')),
    h('p', { class: 'muted' }, t('reviews.help')),
    items.length ? h('ul', { class: 'list' }, items) : h('p', {}, t('reviews.empty')),
  );
}
