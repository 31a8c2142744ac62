// The login page: a `#token=…` link (printed by `feedin up`) or a pasted token is traded for a
// session cookie, then the browser goes to the role's page. The fragment is removed from the
// address bar and history before anything else runs, so the token is not left behind. Its
// language is the sandbox's default (GET /api/locale, no login needed) or the reader's choice.
import { api, login, pageFor, walletLogin } from './api.js';
import { applyLanguage, createLocale } from './i18n.js';

const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

const status = document.getElementById('login-status');
const form = document.getElementById('login-form');
const sandbox = await api('/api/locale').catch(() => ({}));
const loc = createLocale(sandbox);
applyLanguage(loc, { header: document.querySelector('main.login') });
document.title = `feedin — ${loc.t('login.title')}`;

async function enter(token) {
  status.textContent = loc.t('login.loggingIn');
  try {
    const who = await login(token);
    location.replace(pageFor(who.role));
  } catch (error) {
    status.textContent = error.status === 401 ? loc.t('login.unknownToken') : loc.t('login.failed', { message: error.message });
  }
}

// Households may sign in with their payee's key instead (EIP-4361), through the browser's wallet.
document.getElementById('wallet-login').addEventListener('click', async () => {
  if (typeof window.ethereum?.request !== 'function') {
    status.textContent = loc.t('login.noWallet');
    return;
  }
  status.textContent = loc.t('login.walletSigning');
  try {
    const who = await walletLogin(window.ethereum);
    location.replace(pageFor(who.role));
  } catch (error) {
    status.textContent = loc.t('login.walletFailed', { message: error.message });
  }
});

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
