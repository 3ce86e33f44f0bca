// Every text of the app lives in i18n/<lang>.json; zh-CN first, English second.
export const LANGUAGES = ['zh-CN', 'en'];
const KEY = 'menpai.lang';
let lang = 'zh-CN';
let texts = {};
let fallback = {};

/** The stored choice, else the phone's first language we have (Chinese unless it asks for English). */
export function pickLanguage(stored = localStorage.getItem(KEY), asked = navigator.languages || []) {
  if (LANGUAGES.includes(stored)) return stored;
  for (const tag of asked) {
    if (tag.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (tag.toLowerCase().startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export async function loadLanguage(wanted = pickLanguage()) {
  const load = async (l) => (await fetch(`/app/i18n/${l}.json`)).json();
  [texts, fallback] = await Promise.all([load(wanted), wanted === 'zh-CN' ? {} : load('zh-CN')]);
  lang = wanted;
  document.documentElement.lang = lang;
}

export async function switchLanguage() {
  const next = lang === 'zh-CN' ? 'en' : 'zh-CN';
  localStorage.setItem(KEY, next);
  await loadLanguage(next);
}

export const currentLanguage = () => lang;
export const otherLanguage = () => (lang === 'zh-CN' ? 'en' : 'zh-CN');

/** The text for key with {placeholders} filled; the key itself when missing, so a gap shows rather than hides. */
export function t(key, params = {}) {
  const text = texts[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A date and time in the current language; with short, only the time when it is today. */
export function formatTime(ms, { short = false } = {}) {
  if (!ms) return t('time.never');
  const when = new Date(ms);
  const today = when.toDateString() === new Date().toDateString();
  const clock = { hour: '2-digit', minute: '2-digit' };
  return when.toLocaleString(lang, short && today ? clock : { month: 'numeric', day: 'numeric', ...clock });
}
