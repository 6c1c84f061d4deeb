// Share links (README "The playground"; issue 4): the Share button puts a
// `#v1/...` link for the classes shown in the browsers, the run
// expression and the tier into location.hash (no reload) and into a
// read-only field with a Copy button. Opening the page with such a hash
// restores the workspace before anything is shown and runs nothing.
// Everything from a link is rendered with textContent / .value only.

import { byId } from './dom.js';

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
