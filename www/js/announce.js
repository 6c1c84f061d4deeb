// Screen-reader announcements through two aria-live regions: polite for
// status, assertive for errors.

import { byId } from './dom.js';

export class Announcer {
  constructor() {
    this.polite = byId('announce-polite');
    this.alert = byId('announce-alert');
  }

  /** Announces `message`; `{ urgent: true }` interrupts. */
  say(message, { urgent = false } = {}) {
    const region = urgent ? this.alert : this.polite;
    // clear first so that the same text twice is announced twice (a
    // timeout, not a frame: frames stop in background tabs)
    region.textContent = '';
    setTimeout(() => {
      region.textContent = message;
    }, 30);
  }
}
