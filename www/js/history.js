// Method history: the versions of the method a browser shows (vN with its
// source, from vm.methodHistory), a line diff between a chosen version and
// the installed one, and one-click Revert, which accepts the old source as
// a new version (so reverting is itself undoable). Rendered as text only:
// one element per diff line, its text set with textContent.

import { el } from './dom.js';

/** Above this many line pairs the diff gives up on LCS (cost is n*m). */
const MAX_LCS_CELLS = 4_000_000;

/**
 * A line diff of `a` (old) against `b` (new): [{ op: ' ' | '-' | '+', text }],
 * by the longest common subsequence of lines.
 */
export function lineDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  // common head and tail first: most edits touch a few lines
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const out = x.slice(0, head).map((text) => ({ op: ' ', text }));
  const n = xs.length;
  const m = ys.length;
  if (n * m > MAX_LCS_CELLS) {
    for (const text of xs) out.push({ op: '-', text });
    for (const text of ys) out.push({ op: '+', text });
  } else {
    // lcs[i][j]: LCS length of xs[i..] and ys[j..]
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = xs[i] === ys[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xs[i] === ys[j]) {
        out.push({ op: ' ', text: xs[i] });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out.push({ op: '-', text: xs[i] });
        i++;
      } else {
        out.push({ op: '+', text: ys[j] });
        j++;
      }
    }
  }
  for (const text of x.slice(x.length - tail)) out.push({ op: ' ', text });
  return out;
}

/** Shows and hides the history of the method in `browser` (a CodeBrowser). */
export function toggleHistory(vm, browser, announcer) {
  if (!browser.historyEl.hidden) {
    browser.hideHistory();
    return;
  }
  showHistory(vm, browser, announcer);
}

export function showHistory(vm, browser, announcer, chosen = null) {
  const versions = vm.methodHistory(browser.className, browser.meta, browser.selector) || [];
  const current = versions[versions.length - 1];
  if (!current) {
    browser.hideHistory();
    return;
  }
  const older = versions.slice(0, -1).reverse();
  const pick = chosen ?? (older[0] ? older[0].version : current.version);
  const list = el(
    'div',
    { class: 'history-versions', attrs: { role: 'group', 'aria-label': `Versions of ${browser.title}` } },
    ...versions
      .slice()
      .reverse()
      .map((v) =>
        el('button', {
          class: 'history-version',
          text: v.version === current.version ? `v${v.version} (installed)` : `v${v.version}`,
          attrs: { type: 'button', 'aria-pressed': String(v.version === pick), 'data-version': v.version },
          on: { click: () => showHistory(vm, browser, announcer, v.version) },
        }),
      ),
  );
  const chosenV = versions.find((v) => v.version === pick) || current;
  const diff = lineDiff(chosenV.source, current.source);
  const changes = diff.filter((d) => d.op !== ' ').length;
  const caption =
    chosenV === current
      ? `v${current.version} is the installed version${older.length ? '' : ' (no older versions yet)'}.`
      : `Changes from v${chosenV.version} to the installed v${current.version}: ${changes} line${changes === 1 ? '' : 's'}.`;
  const pre = el(
    'pre',
    { class: 'diff', attrs: { tabindex: '0', 'aria-label': caption } },
    ...diff.map((d) => el('span', { class: d.op === '+' ? 'ins' : d.op === '-' ? 'del' : 'same', text: `${d.op} ${d.text}` })),
  );
  const revert =
    chosenV === current
      ? null
      : el('button', {
          class: 'revert',
          text: `Revert to v${chosenV.version}`,
          attrs: { type: 'button', title: 'Accept this version again, as a new version' },
          on: {
            click: () => {
              browser.setText(chosenV.source);
              if (browser.accept()) {
                announcer.say(`Reverted ${browser.title} to the source of v${chosenV.version}, now v${browser.version}.`);
                showHistory(vm, browser, announcer, chosenV.version);
              }
            },
          },
        });
  browser.historyEl.replaceChildren(
    el('h3', { class: 'history-title', text: `History of ${browser.title}` }),
    list,
    el('p', { class: 'history-caption', text: caption }),
    pre,
    revert,
  );
  browser.historyEl.hidden = false;
  browser.historyBtn.setAttribute('aria-expanded', 'true');
}
