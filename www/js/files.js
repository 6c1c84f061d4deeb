// Export and import of the workspace as a chunk-format `.st` file
// (issue 4). Export downloads what vm.exportWorkspace() writes: the
// user's classes (definitions and methods) and the kernel methods changed
// here, the same fileOut the CLI reads (`livetalk run FILE`). Import
// reads a chosen file and files it in with vm.importFile(), which tries
// it in a scratch VM first: a bad file reports its line and column and
// changes nothing. Messages are rendered with textContent.

import { byId } from './dom.js';

export const EXPORT_NAME = 'livetalk-workspace.st';
/** Larger files are refused before reading them. */
const MAX_IMPORT_BYTES = 4 << 20;

export class FilesPane {
  /**
   * @param vm         a LiveVm
   * @param announcer  an Announcer
   * @param onImported (fileName) => void, after a successful import
   */
  constructor(vm, { announcer, onImported }) {
    this.vm = vm;
    this.announcer = announcer;
    this.onImported = onImported || (() => {});
    this.status = byId('files-status');
    this.input = byId('import-file');
    byId('export').addEventListener('click', () => this.exportFile());
    byId('import').addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      const file = this.input.files && this.input.files[0];
      if (file) this.importFile(file);
      this.input.value = '';
    });
  }

  show(text, isError) {
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.classList.toggle('is-error', !!isError);
    if (text) this.announcer.say(text, { urgent: !!isError });
  }

  exportFile() {
    const r = this.vm.exportWorkspace();
    if (!r || !r.ok) {
      this.show(`Export failed: ${r && r.error ? r.error.message : 'unknown error'}`, true);
      return null;
    }
    const url = URL.createObjectURL(new Blob([r.text], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = EXPORT_NAME;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.show(`Exported the workspace as ${EXPORT_NAME} (${r.text.length} characters).`, false);
    return r.text;
  }

  async importFile(file) {
    if (file.size > MAX_IMPORT_BYTES) {
      this.show(`Import failed: ${file.name} is larger than ${MAX_IMPORT_BYTES >> 20} MB. Nothing was changed.`, true);
      return false;
    }
    let text;
    try {
      text = await file.text();
    } catch (err) {
      this.show(`Import failed: cannot read ${file.name} (${err && err.message ? err.message : err}). Nothing was changed.`, true);
      return false;
    }
    const r = this.vm.importFile(file.name, text);
    if (!r || !r.ok) {
      const e = (r && r.error) || { message: 'unknown error' };
      const where = e.line ? `line ${e.line}, column ${e.col}: ` : '';
      this.show(`Import of ${file.name} failed at ${where}${e.message}. Nothing was changed.`, true);
      return false;
    }
    this.show(`Imported ${file.name}.`, false);
    this.onImported(file.name);
    return true;
  }
}
