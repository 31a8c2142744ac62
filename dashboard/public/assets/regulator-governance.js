// The regulator's governance actions (DESIGN: pause, freeze, approve or reject a batch, suspend
// a meter), each behind a confirmation dialog with a reason, POSTed to /api/regulator/…
import { confirmAction, postAction } from './confirm.js';

const ACTIONS = {
  freeze: { when: ['pending', 'submitted'], label: 'Freeze', text: 'Freezing stops this batch (and every later one) from becoming final until you approve or reject it.' },
  approve: { when: ['frozen'], label: 'Approve', text: 'Approving lets this frozen batch become final, so its payouts can be withdrawn.' },
  reject: { when: ['frozen', 'pending'], label: 'Reject', text: 'Rejecting discards this batch and every later pending batch; the gateway rebuilds them from the stored readings.' },
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
async function act({ title, description, path }, done, onError, control) {
  const reason = await confirmAction({ title, description });
  if (reason === undefined) return;
  try {
    await postAction(path, { reason });
    await done();
  } catch (error) {
    onError(error, control);
  }
}

export function batchActions(batch, done, onError) {
  const span = document.createElement('span');
  span.className = 'actions';
  for (const [verb, a] of Object.entries(ACTIONS)) {
    if (!a.when.includes(batch.status)) continue;
    span.append(
      button(a.label, `${a.label} batch ${batch.batchId}`, (b) =>
        act({ title: `${a.label} batch #${batch.batchId}`, description: a.text, path: `/api/regulator/batches/${encodeURIComponent(batch.batchId)}/${verb}` }, done, onError, b),
      ),
    );
  }
  return span;
}

export function suspendMeterButton(meterId, done, onError) {
  return button('Suspend', `Suspend meter ${meterId}`, (b) =>
    act({ title: `Suspend meter ${meterId}`, description: 'Its readings are refused from now on. This is recorded on chain.', path: `/api/regulator/meters/${encodeURIComponent(meterId)}/suspend` }, done, onError, b),
  );
}

export function pauseButton(paused, done, onError) {
  return paused
    ? button('Resume', 'Resume settlement', (b) => act({ title: 'Resume settlement', description: 'Batches are submitted, finalised and withdrawn again.', path: '/api/regulator/resume' }, done, onError, b))
    : button('Pause', 'Pause settlement', (b) => act({ title: 'Pause settlement', description: 'No batch is submitted or withdrawn until you resume.', path: '/api/regulator/pause' }, done, onError, b));
}
