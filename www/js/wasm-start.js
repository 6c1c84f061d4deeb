// Starts compiling the VM as soon as the page's head is read: index.html
// runs this module on its own (async, with no imports), so the wasm
// compiles while the page's other modules still load, and app.js only
// instantiates it.

const url = new URL('../pkg/livetalk_bg.wasm', import.meta.url);

/**
 * The compiled VM, or null if it could not be compiled here (the page then
 * lets the wasm-bindgen loader fetch it, which reports why).
 */
export const vmModule = WebAssembly.compileStreaming(fetch(url)).catch(() => null);
