// What every role page shares: who is logged in, the language (./i18n.js), the header (sandbox
// clock with its zone named once, sandbox money note, health, live status, language switch, log
// out), CSV buttons, and the server-sent event stream. A page calls startPage() and gets the
// session (whoami), the locale `loc` to format with, the sandbox clock and `on(event, handler)`.
import { api, logout, openEvents, pageFor } from './api.js';
import { downloadCsv } from './csv.js';
import { applyLanguage, createLocale } from './i18n.js';

const $ = (id) => document.getElementById(id);
let current;

export function showError(error) {
  const box = $('page-error');
  box.textContent = current ? current.t('common.loadFailed', { message: error.message }) : error.message;
  box.hidden = false;
}

export function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch(showError), ms);
  };
}

/** The header's role line: "hộ Nguyễn Văn An — Quận 7" for a household. */
export function roleTitle(loc, who) {
  return who.role === 'household' ? loc.t('common.roleHousehold', { name: loc.household(who.householdId) }) : loc.t(`common.role.${who.role}`);
}

/** Names the sandbox money once in the header: the token, the currency it stands for, not real. */
export function moneyNote(loc, info) {
  return info.currency ? loc.t('common.sandboxMoney', { symbol: info.token.symbol, currency: info.currency }) : loc.t('common.sandboxToken', { symbol: info.token.symbol });
}

/** Starts the page for `role`; a session of another role is sent to its own page. */
export async function startPage(role) {
  let who;
  try {
    who = await api('/api/whoami');
  } catch {
    location.replace('/');
    return new Promise(() => {});
  }
  if (who.role !== role) {
    location.replace(pageFor(who.role));
    return new Promise(() => {});
  }
  const info = who.sandbox;
  const loc = createLocale(info);
  current = loc;
  applyLanguage(loc);
  $('sandbox-name').textContent = info.sandboxName;
  $('role-name').textContent = roleTitle(loc, who);
  document.title = `feedin — ${$('role-name').textContent}`;
  $('money-note').textContent = moneyNote(loc, info);
  $('logout').addEventListener('click', async () => {
    await logout().catch(() => undefined);
    location.replace('/');
  });
  // A button with data-all is the page's own (it exports more than the rows on screen).
  for (const button of document.querySelectorAll('button.csv:not([data-all])')) {
    button.addEventListener('click', () => downloadCsv($(button.dataset.table), `${button.dataset.table.replace(/-table$/, '')}.csv`));
  }

  const clock = { sandboxMs: Date.now(), atPerfMs: performance.now(), speed: 1 };
  const nowMs = () => clock.sandboxMs + (performance.now() - clock.atPerfMs) * clock.speed;
  const tick = () => {
    $('clock').textContent = loc.t('common.clock', { time: loc.time(nowMs()), speed: loc.count(clock.speed) });
    $('time-zone').textContent = loc.zone(nowMs());
  };
  let lastHealth;
  const refreshHealth = async () => {
    try {
      const health = await api('/api/health');
      lastHealth = health;
      Object.assign(clock, { sandboxMs: Date.parse(health.now), atPerfMs: performance.now(), speed: health.clockSpeed ?? 1 });
      const bad = Object.entries(health.components).filter(([, c]) => c.status !== 'ok');
      $('health').textContent =
        health.status === 'ok'
          ? loc.t('common.healthOk')
          : loc.t('common.healthDegraded', { components: bad.map(([name, c]) => `${name} ${c.status}${c.detail ? ` (${c.detail})` : ''}`).join('; ') });
      $('health').className = health.status === 'ok' ? 'ok' : 'bad';
      tick();
    } catch (error) {
      $('health').textContent = loc.t('common.healthUnknown', { message: error.message });
      $('health').className = 'bad';
    }
    return lastHealth;
  };
  await refreshHealth();
  setInterval(refreshHealth, 5_000);
  setInterval(tick, 1_000);

  const source = openEvents($('live'), loc.t);
  const on = (name, handler) =>
    source.addEventListener(name, (event) => {
      try {
        handler(JSON.parse(event.data));
      } catch (error) {
        showError(error);
      }
    });

  return { who, info, loc, nowMs, on, health: () => lastHealth, refreshHealth };
}
