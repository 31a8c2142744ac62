// What every role page shares: who is logged in, the header (sandbox clock, health, live
// status, log out), CSV buttons, and the server-sent event stream. A page calls startPage()
// and gets the session (whoami), the sandbox clock and an `on(event, handler)` for live updates.
import { api, logout, openEvents, pageFor } from './api.js';
import { downloadCsv } from './csv.js';
import { formatTime } from './format.js';

const $ = (id) => document.getElementById(id);

export function showError(error) {
  const box = $('page-error');
  box.textContent = `Could not load data: ${error.message}`;
  box.hidden = false;
}

export function debounce(fn, ms) {
  let timer;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => fn().catch(showError), ms);
  };
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
  $('sandbox-name').textContent = info.sandboxName;
  $('role-name').textContent = who.role === 'household' ? `household ${who.householdId}` : who.role;
  document.title = `feedin — ${$('role-name').textContent}`;
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
  const tick = () => ($('clock').textContent = `${formatTime(nowMs(), info.timeZone)} (${info.timeZone}, ${clock.speed}×)`);
  let lastHealth;
  const refreshHealth = async () => {
    try {
      const health = await api('/api/health');
      lastHealth = health;
      Object.assign(clock, { sandboxMs: Date.parse(health.now), atPerfMs: performance.now(), speed: health.clockSpeed ?? 1 });
      const bad = Object.entries(health.components).filter(([, c]) => c.status !== 'ok');
      $('health').textContent = health.status === 'ok' ? 'ok' : `degraded: ${bad.map(([name, c]) => (c.detail ? `${name} ${c.status} (${c.detail})` : `${name} ${c.status}`)).join('; ')}`;
      $('health').className = health.status === 'ok' ? 'ok' : 'bad';
      tick();
    } catch (error) {
      $('health').textContent = `unknown (${error.message})`;
      $('health').className = 'bad';
    }
    return lastHealth;
  };
  await refreshHealth();
  setInterval(refreshHealth, 5_000);
  setInterval(tick, 1_000);

  const source = openEvents($('live'));
  const on = (name, handler) =>
    source.addEventListener(name, (event) => {
      try {
        handler(JSON.parse(event.data));
      } catch (error) {
        showError(error);
      }
    });

  return { who, info, nowMs, on, health: () => lastHealth, refreshHealth };
}
