//! Loop kernels run as WebAssembly of their own (`tier::wasm_kernel`), in
//! the browser: each kernel is compiled the first time it runs (kept on
//! the kernel: `Kernel::jit`), instantiated on the VM's own memory, and
//! called with a parameter block on the Rust stack. Natively there is no
//! engine to compile for, and kernels are interpreted.

use crate::object::Value;
use crate::tier::code::Kernel;
use std::sync::atomic::{AtomicI32, Ordering};

/// `Kernel::jit` when it has no compiled form (or the engine refused it).
#[cfg(target_arch = "wasm32")]
const NONE: i32 = -1;
/// At most this many compiled kernels in one page: each is a module the
/// engine keeps (a kernel made again with the same code reuses its own).
#[cfg(target_arch = "wasm32")]
const MAX_MODULES: i32 = 1024;

/// Runs kernel `which` of `kernels` by its compiled form, on temps `t`
/// (whose registers are SmallIntegers) and Array slots `cells`, with
/// `avail` instructions of fuel: `run_kernel`'s answer (the instructions
/// it ran, and where the frame goes on); `None` when it has no compiled
/// form.
#[cfg(target_arch = "wasm32")]
pub fn run(
    kernels: &[Kernel],
    which: usize,
    t: &mut [Value],
    cells: &mut [Value],
    avail: u64,
) -> Option<(u64, usize)> {
    let k = kernels.get(which)?;
    let mut id = k.jit.get();
    if id == Kernel::UNTRIED {
        id = compile(kernels, which);
        k.jit.set(id);
    }
    if id < 0 {
        return None;
    }
    // the parameter block (see `tier::wasm_kernel`)
    let mut p = [0u64; 4];
    p[0] = t.as_mut_ptr() as u32 as u64 | (cells.as_mut_ptr() as u32 as u64) << 32;
    p[1] = cells.len() as u64;
    p[2] = avail;
    let to = host::kernel_run(id, p.as_mut_ptr() as u32);
    // SAFETY: the kernel wrote what it ran there (a read the compiler
    // cannot move before the call, which had the block's address)
    let ran = unsafe { std::ptr::read_volatile(&p[3]) };
    Some((ran, to as usize))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn run(
    _: &[Kernel],
    _: usize,
    _: &mut [Value],
    _: &mut [Value],
    _: u64,
) -> Option<(u64, usize)> {
    None
}

/// Kernels compiled so far (in this page).
static MODULES: AtomicI32 = AtomicI32::new(0);

/// How many kernels have been compiled so far (none natively).
pub fn modules() -> i32 {
    MODULES.load(Ordering::Relaxed)
}

#[cfg(target_arch = "wasm32")]
fn compile(kernels: &[Kernel], which: usize) -> i32 {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        // the modules made so far, by their bytes: a kernel made again
        // (the method accepted again, the code optimized again) reuses
        // its module
        static MADE: RefCell<HashMap<Vec<u8>, i32>> = RefCell::new(HashMap::new());
    }
    let Some(bytes) = crate::tier::wasm_kernel::compile(kernels, which) else {
        return NONE;
    };
    if let Some(id) = MADE.with(|m| m.borrow().get(&bytes).copied()) {
        return id;
    }
    if MODULES.load(Ordering::Relaxed) >= MAX_MODULES {
        return NONE;
    }
    let id = host::kernel_compile(&bytes, &wasm_bindgen::memory()).max(NONE);
    if id >= 0 {
        MODULES.fetch_add(1, Ordering::Relaxed);
        MADE.with(|m| m.borrow_mut().insert(bytes, id));
    }
    id
}

#[cfg(target_arch = "wasm32")]
mod host {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(inline_js = "
const kernels = [];
export function kernel_compile(bytes, memory) {
  try {
    const m = new WebAssembly.Module(bytes);
    kernels.push(new WebAssembly.Instance(m, { m: { m: memory } }).exports.k);
    return kernels.length - 1;
  } catch (e) {
    return -1;
  }
}
export function kernel_run(id, p) {
  return kernels[id](p);
}
")]
    extern "C" {
        pub fn kernel_compile(bytes: &[u8], memory: &JsValue) -> i32;
        pub fn kernel_run(id: i32, p: u32) -> u32;
    }
}
