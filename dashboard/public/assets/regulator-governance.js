// The regulator's governance actions (docs/design.md §Governance: pause, freeze, approve or reject
// a batch, suspend a meter), each behind a confirmation dialog with a reason, POSTed to
// /api/regulator/…
import { confirmAction, postAction } from './confirm.js';

// Texts: governance.<verb>.{label,title,aria,text} in the message files. Only what the contract
// allows is offered (docs/design.md "Claims, batches and settlement"): freeze a batch still in
// its challenge window, approve or reject a frozen one; `becomes` is the status the page shows at
// once when the chain took the action, before the gateway's own status catches up.
export const BATCH_ACTIONS = {
  freeze: { when: ['pending', 'submitted'], becomes: 'frozen' },
  approve: { when: ['frozen'], becomes: 'approved' },
  reject: { when: ['frozen'], becomes: 'rejected' },
};

function button(label, ariaLabel, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('aria-label', ariaLabel);
  b.addEventListener('click', () => onClick(b));
  return b;
}

/** Runs one action after confirmation; `done(verb, answer)` shows its result at once. Errors are
 * shown by `onError(error, control)`, beside the button that was pressed, which is disabled
 * while the transaction is on its way (no double submission). */
async function act({ title, description, path, verb }, loc, done, onError, control) {
  const reason = await confirmAction({ title, description });
  if (reason === undefined) return;
  control.disabled = true;
  control.closest('td, p')?.querySelector(':scope > .action-error')?.remove();
  let answer;
  try {
    answer = await postAction(path, { reason });
  } catch (error) {
    control.disabled = false;
    onError(error, control);
    return;
  }
  await done(verb, answer);
}

export function batchActions(batch, loc, done, onError) {
  const { t } = loc;
  const span = document.createElement('span');
  span.className = 'actions';
  for (const [verb, a] of Object.entries(BATCH_ACTIONS)) {
    if (!a.when.includes(batch.status)) continue;
    const v = { batchId: batch.batchId };
    span.append(
      button(t(`governance.${verb}.label`), t(`governance.${verb}.aria`, v), (b) =>
        act({ verb, title: t(`governance.${verb}.title`, v), description: t(`governance.${verb}.text`), path: `/api/regulator/batches/${encodeURIComponent(batch.batchId)}/${verb}` }, loc, done, onError, b),
      ),
    );
  }
  return span;
}

export function suspendMeterButton(meterId, loc, done, onError) {
  const { t } = loc;
  return button(t('governance.suspend.label'), t('governance.suspend.title', { meterId }), (b) =>
    act({ verb: 'suspend', title: t('governance.suspend.title', { meterId }), description: t('governance.suspend.text'), path: `/api/regulator/meters/${encodeURIComponent(meterId)}/suspend` }, loc, done, onError, b),
  );
}

export function pauseButton(paused, loc, done, onError) {
  const { t } = loc;
  const verb = paused ? 'resume' : 'pause';
  return button(t(`governance.${verb}.label`), t(`governance.${verb}.title`), (b) =>
    act({ verb, title: t(`governance.${verb}.title`), description: t(`governance.${verb}.text`), path: `/api/regulator/${verb}` }, loc, done, onError, b),
  );
}
