// The login page: a `#token=…` link (printed by `feedin up`) or a pasted token is traded for a
// session cookie, then the browser goes to the role's page. The fragment is removed from the
// address bar and history before anything else runs, so the token is not left behind.
import { api, login, pageFor } from './api.js';

const status = document.getElementById('login-status');
const form = document.getElementById('login-form');

async function enter(token) {
  status.textContent = 'Logging in…';
  try {
    const who = await login(token);
    location.replace(pageFor(who.role));
  } catch (error) {
    status.textContent = error.status === 401 ? 'That token is not known to this sandbox.' : `Login failed: ${error.message}`;
  }
}

const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = form.elements.namedItem('token');
  const token = input.value.trim();
  input.value = '';
  if (token) enter(token);
});

if (fromLink) enter(fromLink);
else
  api('/api/whoami').then(
    (who) => location.replace(pageFor(who.role)),
    () => document.getElementById('token').focus(),
  );
