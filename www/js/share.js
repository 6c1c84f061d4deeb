// Share links (README "The playground"; issue 4): the Share button puts a
// `#v1/...` link for the classes shown in the browsers, the run
// expression and the tier into location.hash (no reload) and into a
// read-only field with a Copy button. Opening the page with such a hash
// restores the workspace before anything is shown and runs nothing.
// Before a link is applied, a dialog shows what it would change (its
// classes and methods, and above all the methods of the system's own
// classes it changes, each with a diff) and asks: Apply or Cancel. A link
// that would break the system is refused by the VM with a plain message.
// Everything from a link is rendered with textContent / .value only.

import { byId, el } from './dom.js';
import { lineDiff } from './history.js';

/** Links longer than this may be cut by mail clients, chats and browsers. */
export const LONG_LINK = 8000;

/**
 * The share link the page was opened with, if any: `#v1/...`, or a
 * version this page does not read (`#v2/...`), which opening then
 * explains instead of ignoring it.
 */
export function hashLink() {
  const h = location.hash;
  return /^#v\d+\//.test(h) ? h : null;
}

/**
 * Opens `link` into `vm`. Answers `{ ok: true, run, tier, ... }` or
 * `{ ok: false, message }`; never throws.
 */
export function openLink(vm, link) {
  try {
    const r = vm.openLink(link);
    if (r && r.ok) return r;
    const msg = r && r.error && r.error.message ? r.error.message : 'unknown error';
    return { ok: false, message: String(msg) };
  } catch (err) {
    return { ok: false, message: String(err && err.message ? err.message : err) };
  }
}

/**
 * What opening `link` in `vm` would change, changing nothing: the VM's
 * `previewLink` answer, or `{ ok: false, message, refused }`; never throws.
 */
export function previewLink(vm, link) {
  try {
    const r = vm.previewLink(link);
    if (r && r.ok) return r;
    const msg = r && r.error && r.error.message ? r.error.message : 'unknown error';
    return { ok: false, message: String(msg), refused: !!(r && r.refused) };
  } catch (err) {
    return { ok: false, message: String(err && err.message ? err.message : err), refused: false };
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const methodName = (m) => `${m.className}${m.meta ? ' class' : ''}>>${m.selector}`;

/** A method's change as lines: a diff against the installed source, or the new source. */
function sourceBlock(m) {
  const diff = m.oldSource != null ? lineDiff(m.oldSource, m.source) : m.source.split('\n').map((text) => ({ op: '+', text }));
  const label = m.oldSource != null ? `Changes to ${methodName(m)}` : `Source of the new method ${methodName(m)}`;
  return el(
    'pre',
    { class: 'diff', attrs: { tabindex: '0', 'aria-label': label } },
    ...diff.map((d) => el('span', { class: d.op === '+' ? 'ins' : d.op === '-' ? 'del' : 'same', text: `${d.op} ${d.text}` })),
  );
}

/**
 * Shows what a link would change (`preview`, a previewLink answer) in the
 * page's modal dialog and waits for the answer: true for Apply, false for
 * Cancel (the button, Escape, or closing the dialog).
 */
export function confirmLink(preview, announcer) {
  const dialog = byId('link-dialog');
  const body = byId('link-dialog-body');
  const apply = byId('link-apply');
  const cancel = byId('link-cancel');
  const changed = preview.methods.filter((m) => m.change !== 'same');
  const kernel = changed.filter((m) => m.kernel);
  const own = changed.filter((m) => !m.kernel);
  const newClasses = preview.classes.filter((c) => c.change !== 'same');
  byId('link-dialog-summary').textContent =
    `This link defines ${plural(newClasses.length, 'class')} and ${plural(changed.length, 'method')}` +
    (kernel.length ? `, ${kernel.length} of them in the system's own classes` : '') +
    `. Nothing runs until you press Run${preview.run ? ` (it would run: ${preview.run})` : ''}; tier: ${preview.tier}.`;
  const parts = [];
  if (kernel.length) {
    parts.push(
      el(
        'section',
        { class: 'link-kernel', attrs: { 'aria-labelledby': 'link-kernel-title' } },
        el('h3', { text: `Changes to the system's own classes (${kernel.length})`, attrs: { id: 'link-kernel-title' } }),
        el('p', { text: 'These change how every program here runs, not only the link\'s own classes. Read them before you apply the link.' }),
        ...kernel.flatMap((m) => [
          el('p', { class: 'link-method', text: `${methodName(m)} (${m.change === 'new' ? 'new method' : 'changed'})` }),
          sourceBlock(m),
        ]),
      ),
    );
  }
  if (preview.classes.length) {
    parts.push(
      el('h3', { text: 'Classes' }),
      el(
        'ul',
        { class: 'link-classes' },
        ...preview.classes.map((c) =>
          el('li', {
            text:
              c.change === 'new'
                ? `${c.name} (new, a subclass of ${c.superclass})`
                : c.change === 'changed'
                  ? `${c.name} (redefined: ${c.what})`
                  : `${c.name} (as it is)`,
          }),
        ),
      ),
    );
  }
  if (own.length) {
    parts.push(
      el('h3', { text: 'Methods' }),
      el('ul', { class: 'link-methods' }, ...own.map((m) => el('li', { text: `${methodName(m)}${m.change === 'changed' ? ' (changed)' : ''}` }))),
    );
  }
  body.replaceChildren(...parts);
  return new Promise((resolve) => {
    const done = (ok) => {
      apply.removeEventListener('click', onApply);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(ok);
    };
    const onApply = () => done(true);
    const onCancel = (ev) => {
      if (ev && ev.type === 'cancel') ev.preventDefault();
      done(false);
    };
    apply.addEventListener('click', onApply);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    // with changes to the system, the safe answer has the focus
    (kernel.length ? cancel : apply).focus();
    announcer.say(`${byId('link-dialog-title').textContent} ${byId('link-dialog-summary').textContent}`);
  });
}

export class SharePane {
  /**
   * @param vm        a LiveVm
   * @param classes   () => the class names to share
   * @param run       () => the run expression
   * @param tier      () => the tier mode
   * @param announcer an Announcer
   */
  constructor(vm, { classes, run, tier, announcer }) {
    this.vm = vm;
    this.classes = classes;
    this.run = run;
    this.tier = tier;
    this.announcer = announcer;
    this.button = byId('share');
    this.out = byId('share-out');
    this.field = byId('share-link');
    this.copyBtn = byId('share-copy');
    this.warning = byId('share-warning');
    this.status = byId('share-status');
    this.button.addEventListener('click', () => this.share());
    this.copyBtn.addEventListener('click', () => this.copy());
  }

  /** Shows a message about links (errors stay until the next share). */
  showStatus(text, isError) {
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.classList.toggle('is-error', !!isError);
    if (text) this.announcer.say(text, { urgent: !!isError });
  }

  share() {
    let r;
    try {
      r = this.vm.shareLink(this.classes(), this.run(), this.tier());
    } catch (err) {
      r = { ok: false, error: { message: String(err && err.message ? err.message : err) } };
    }
    if (!r || !r.ok) {
      const msg = r && r.error && r.error.message ? r.error.message : 'unknown error';
      this.showStatus(`Could not make a share link: ${msg}`, true);
      return null;
    }
    const link = r.link.startsWith('#') ? r.link : `#${r.link}`;
    try {
      history.replaceState(null, '', link);
    } catch {
      // a sandboxed page: the field still has the link
    }
    const url = location.href.split('#')[0] + link;
    this.field.value = url;
    this.out.hidden = false;
    this.copyBtn.textContent = 'Copy';
    const long = url.length > LONG_LINK;
    this.warning.hidden = !long;
    this.warning.textContent = long
      ? `This link is ${url.length} characters long: some browsers, mail clients and chats cut links over about ${LONG_LINK} characters.`
      : '';
    this.status.hidden = true;
    this.status.textContent = '';
    this.announcer.say(long ? `Share link ready. Warning: ${this.warning.textContent}` : 'Share link ready; it is also in the address bar.', {
      urgent: long,
    });
    return url;
  }

  async copy() {
    const text = this.field.value;
    if (!text) return;
    try {
      if (!navigator.clipboard || !navigator.clipboard.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      this.copyBtn.textContent = 'Copied';
      this.announcer.say('The share link was copied.');
    } catch {
      // fall back: select it for Ctrl+C
      this.field.focus();
      this.field.select();
      this.announcer.say('Copying is not available here; the link is selected, press Ctrl+C.');
    }
  }
}
