// The regulator's governance actions (docs/design.md §Governance: pause, freeze, approve or reject
// a batch, suspend a meter), each behind a confirmation dialog with a reason, POSTed to
// /api/regulator/…
import { confirmAction, postAction } from './confirm.js';

// Texts: governance.<verb>.{label,title,aria,text} in the message files.
const ACTIONS = {
  freeze: { when: ['pending', 'submitted'] },
  approve: { when: ['frozen'] },
  reject: { when: ['frozen', 'pending'] },
};

function button(label, ariaLabel, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.setAttribute('aria-label', ariaLabel);
  b.addEventListener('click', () => onClick(b));
  return b;
}

/** Runs one action after confirmation; `done` refreshes the page's data. Errors are shown by
 * `onError(error, control)`, beside the button that was pressed. */
async function act({ title, description, path }, loc, done, onError, control) {
  const reason = await confirmAction({ title, description });
  if (reason === undefined) return;
  try {
    await postAction(path, { reason });
    await done();
  } catch (error) {
    onError(error, control);
  }
}

export function batchActions(batch, loc, done, onError) {
  const { t } = loc;
  const span = document.createElement('span');
  span.className = 'actions';
  for (const [verb, a] of Object.entries(ACTIONS)) {
    if (!a.when.includes(batch.status)) continue;
    const v = { batchId: batch.batchId };
    span.append(
      button(t(`governance.${verb}.label`), t(`governance.${verb}.aria`, v), (b) =>
        act({ title: t(`governance.${verb}.title`, v), description: t(`governance.${verb}.text`), path: `/api/regulator/batches/${encodeURIComponent(batch.batchId)}/${verb}` }, loc, done, onError, b),
      ),
    );
  }
  return span;
}

export function suspendMeterButton(meterId, loc, done, onError) {
  const { t } = loc;
  return button(t('governance.suspend.label'), t('governance.suspend.title', { meterId }), (b) =>
    act({ title: t('governance.suspend.title', { meterId }), description: t('governance.suspend.text'), path: `/api/regulator/meters/${encodeURIComponent(meterId)}/suspend` }, loc, done, onError, b),
  );
}

export function pauseButton(paused, loc, done, onError) {
  const { t } = loc;
  const verb = paused ? 'resume' : 'pause';
  return button(t(`governance.${verb}.label`), t(`governance.${verb}.title`), (b) =>
    act({ title: t(`governance.${verb}.title`), description: t(`governance.${verb}.text`), path: `/api/regulator/${verb}` }, loc, done, onError, b),
  );
}
