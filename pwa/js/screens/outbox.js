// The outbox in full: what waits to be sent (and why), what the server refused (fix or discard), last sync.
import { h, show, toast } from '../dom.js';
import { formatTime, t } from '../i18n.js';

export function errorText(error) {
  if (!error) return '';
  const known = ['network', 'not_json', 'server', 'unauthorized', 'csrf_failed', 'too_many_attempts', 'photo_set_aside', 'no_id'];
  return known.includes(error.code) ? t(`outbox.error.${error.code}`) : error.message || t('outbox.error.http', { status: error.status });
}

function pendingItem(item) {
  return h('li', { 'data-item': item.id },
    h('strong', {}, item.label || item.url), h('br'),
    h('span', { class: 'muted' }, [
      t('outbox.created', { time: formatTime(item.createdAt) }),
      item.attempts ? t('outbox.attempts', { n: item.attempts }) : null,
      errorText(item.lastError),
    ].filter(Boolean).join(' · ')),
  );
}

function attentionItem(ctx, item) {
  const fields = Object.entries(item.lastError?.fields || {}).map(([name, message]) => h('li', {}, `${name}: ${message}`));
  return h('li', { 'data-item': item.id, class: 'card' },
    h('strong', {}, item.label || item.url),
    h('p', { class: 'error' }, errorText(item.lastError)),
    fields.length ? h('ul', {}, fields) : null,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'small secondary', onclick: async () => { await ctx.outbox.retry(item.id); await ctx.outbox.flush({ force: true }); outboxScreen(ctx); } }, t('outbox.retry')),
      h('button', { type: 'button', class: 'small danger', onclick: async () => { await ctx.outbox.discard(item.id); outboxScreen(ctx); } }, t('outbox.discard')),
    ),
  );
}

export async function outboxScreen(ctx) {
  const { pending, attention, lastSync } = await ctx.outbox.status();
  const sendNow = async () => {
    const result = await ctx.outbox.flush({ force: true });
    toast(t('outbox.flushed', result));
    outboxScreen(ctx);
  };
  show(
    h('h1', {}, t('outbox.title')),
    h('p', { class: 'muted', id: 'last-sync' }, t('outbox.last_sync', { time: formatTime(lastSync) })),
    h('h2', {}, t('outbox.pending', { n: pending.length })),
    pending.length ? h('ul', { class: 'list', id: 'outbox-pending' }, pending.map(pendingItem)) : h('p', { class: 'muted' }, t('outbox.empty')),
    pending.length ? h('button', { type: 'button', onclick: sendNow }, t('outbox.send_now')) : null,
    attention.length ? [h('h2', {}, t('outbox.attention', { n: attention.length })), h('p', { class: 'muted' }, t('outbox.attention_help')),
      h('ul', { class: 'list', id: 'outbox-attention' }, attention.map((item) => attentionItem(ctx, item)))] : null,
  );
}
