// The confirmation dialog of every action that changes money or meters: what will happen, a
// reason (recorded on chain as its hash), and Confirm/Cancel. A native <dialog> opened with
// showModal(): focus is trapped inside and Escape cancels, so it is keyboard-usable as is.

/** Resolves with the reason, or undefined when cancelled. */
export function confirmAction({ title, description, needsReason = true }) {
  const dialog = document.getElementById('confirm-dialog');
  const form = dialog.querySelector('form');
  dialog.querySelector('#confirm-title').textContent = title;
  dialog.querySelector('#confirm-description').textContent = description;
  const reason = dialog.querySelector('#confirm-reason');
  reason.value = '';
  reason.required = needsReason;
  dialog.querySelector('#confirm-reason-row').hidden = !needsReason;
  return new Promise((resolve) => {
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      resolve(dialog.returnValue === 'confirm' ? reason.value.trim() : undefined);
    };
    dialog.addEventListener('close', onClose);
    form.onsubmit = (event) => {
      event.preventDefault();
      if (event.submitter?.value === 'cancel') dialog.close('cancel');
      else if (form.reportValidity()) dialog.close('confirm');
    };
    dialog.returnValue = '';
    dialog.showModal();
    (needsReason ? reason : dialog.querySelector('button[value="confirm"]')).focus();
  });
}

/** The dialog's markup, appended once per page (HTML files stay static; no inline script), in
 * the page's language (`loc` of ./i18n.js). */
export function installConfirmDialog({ t }) {
  if (document.getElementById('confirm-dialog')) return;
  const dialog = document.createElement('dialog');
  dialog.id = 'confirm-dialog';
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.innerHTML = `
    <form method="dialog">
      <h2 id="confirm-title"></h2>
      <p id="confirm-description"></p>
      <p id="confirm-reason-row"><label for="confirm-reason"></label>
        <textarea id="confirm-reason" rows="3" maxlength="500"></textarea></p>
      <p class="actions"><button type="submit" value="cancel" formnovalidate></button>
        <button type="submit" value="confirm" class="danger"></button></p>
    </form>`;
  dialog.querySelector('label[for="confirm-reason"]').textContent = t('confirm.reason');
  dialog.querySelector('button[value="cancel"]').textContent = t('confirm.cancel');
  dialog.querySelector('button[value="confirm"]').textContent = t('confirm.confirm');
  document.body.append(dialog);
}

/** POST JSON with the session cookie; the action's answer or its error message. */
export async function postAction(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) {
    // A contract refusal comes in words (`message`) with its machine code, key and params (`refusal`).
    throw Object.assign(new Error(answer?.error?.message ?? `HTTP ${response.status}`), { status: response.status, code: answer?.error?.code, refusal: answer?.error?.refusal });
  }
  return answer;
}

/** Shows why an action failed right beside the control that started it (issue 11: an action's
 * error appears where it was taken); a later failure there replaces the earlier one. */
export function showActionError(control, error) {
  const host = control.closest('td, p, form') ?? control.parentElement;
  let note = host.querySelector(':scope > .action-error');
  if (!note) {
    note = document.createElement('span');
    note.className = 'action-error';
    note.setAttribute('role', 'alert');
    host.append(note);
  }
  note.textContent = error.message;
  if (error.refusal?.code) note.dataset.refusal = error.refusal.code;
}
