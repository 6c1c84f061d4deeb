//! What the commands share on the way out: stdout that ends quietly on a
//! closed pipe, error text made safe for a terminal, the Transcript's
//! output with the result on a line of its own, and the exit codes
//! (0 success, 1 an unhandled error, 2 a compile error or a file that
//! cannot be read, 64 bad arguments, 3 a kernel that does not load).

use livetalk::host::edit::FileInErrorKind;
use livetalk::interp::TierMode;
use livetalk::Vm;
use std::io::{IsTerminal, Write};
use std::process::exit;

/// Writes to stdout; a closed pipe (`livetalk eval ... | head`) ends the
/// program quietly, where std's `print!` panics.
pub fn out(args: std::fmt::Arguments) {
    if std::io::stdout().lock().write_fmt(args).is_err() {
        exit(0);
    }
}

/// The most error text printed (a stack of 100,000 frames is cut).
pub const MAX_ERROR_TEXT: usize = 16 * 1024;

/// Error text as it reaches a terminal: control characters (ANSI escapes
/// among them) escaped, and at most [`MAX_ERROR_TEXT`] bytes.
pub fn for_terminal(msg: &str) -> String {
    let mut out = String::new();
    for (i, c) in msg.char_indices() {
        if out.len() >= MAX_ERROR_TEXT {
            out.push_str(&format!("... ({} more bytes)", msg.len() - i));
            break;
        }
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Prints `msg` on stderr, made safe for a terminal; on a line of its own
/// when stdout and stderr share a terminal.
pub fn say(msg: &str) {
    if !AT_LINE_START.get() && std::io::stderr().is_terminal() {
        eprintln!();
    }
    eprintln!("{}", for_terminal(msg));
}

pub fn die(code: i32, msg: &str) -> ! {
    say(msg);
    exit(code)
}

pub fn parse_tier(name: Option<&str>) -> Option<TierMode> {
    match name {
        Some("on") => Some(TierMode::On),
        Some("off") => Some(TierMode::Off),
        Some("eager") => Some(TierMode::Eager),
        _ => None,
    }
}

pub fn tier_name(tier: TierMode) -> &'static str {
    match tier {
        TierMode::Off => "off",
        TierMode::On => "on",
        TierMode::Eager => "eager",
    }
}

pub fn new_vm(tier: TierMode, trace: bool) -> Vm {
    let mut vm = Vm::new().unwrap_or_else(|e| die(3, &format!("kernel failed to load: {}", e)));
    if let Some(why) = &vm.snapshot_refused {
        say(&format!("warning: {why}"));
    }
    vm.tier = tier;
    vm.trace_tier = trace;
    vm
}

thread_local! {
    /// Whether what stdout got last ended a line.
    static AT_LINE_START: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Prints the Transcript output so far; answers whether stdout is at the
/// start of a line.
pub fn flush(vm: &mut Vm) -> bool {
    let t = vm.take_transcript();
    if !t.is_empty() {
        AT_LINE_START.set(t.ends_with('\n'));
        out(format_args!("{}", t));
        let _ = std::io::stdout().flush();
    }
    AT_LINE_START.get()
}

/// Prints a line on stdout after any Transcript output, on a line of its
/// own (a result, a message of the repl).
pub fn print_line(vm: &mut Vm, s: &str) {
    if !flush(vm) {
        out(format_args!("\n"));
    }
    out(format_args!("{}\n", s));
    AT_LINE_START.set(true);
}

/// Prints the compiler's warnings (undeclared variables) on stderr.
pub fn warn(vm: &mut Vm) {
    for w in vm.take_warnings() {
        say(&w);
    }
}

/// Reports on stderr the unhandled errors of processes other than
/// `except` (forked ones); answers whether there were any.
pub fn report_other_errors(vm: &mut Vm, except: Option<usize>) -> bool {
    let errors = vm.unhandled_errors(except);
    for e in &errors {
        say(&format!("in a forked process: {}", e));
    }
    !errors.is_empty()
}

/// The text of a source file, which Livetalk reads as UTF-8 (the form
/// Squeak 6 files out). A file that is not UTF-8 is an error naming the
/// first byte that is not, with its line and column.
pub fn read_source(path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {}", path, e))?;
    decode_source(path, bytes)
}

/// The bytes of source file `path` as text (see [`read_source`]).
pub fn decode_source(path: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = std::str::from_utf8(&bytes[..good]).unwrap_or_default();
        let (line, col) = livetalk::syntax::line_col(before, good);
        let byte = bytes.get(good).copied().unwrap_or_default();
        format!("{path}:{line}:{col}: not UTF-8 text (byte 0x{byte:02X}); source files are read as UTF-8")
    })
}

/// Files in `file`: an error is `FILE:LINE:COL: message` and the exit
/// code it calls for (2 for a compile error or an unreadable file, 1 for
/// an error in a do-it).
#[cfg(not(target_arch = "wasm32"))]
pub fn try_load(vm: &mut Vm, file: &str) -> Result<(), (i32, String)> {
    let src = read_source(file).map_err(|e| (2, e))?;
    try_file_in(vm, file, &src)
}

/// Files in `src`, the text of `file` (see [`try_load`]).
#[cfg(not(target_arch = "wasm32"))]
pub fn try_file_in(vm: &mut Vm, file: &str, src: &str) -> Result<(), (i32, String)> {
    let r = file_in_quiet(vm, file, src);
    warn(vm);
    r
}

/// Files in `files` in order, or ends the program with the first error.
/// An undeclared variable is reported once all are in (or at the error),
/// and only if it is still undeclared then: a file may use a class that
/// a later one defines, as the files of a package do.
pub fn load_all<S: AsRef<str>>(vm: &mut Vm, files: &[S]) {
    let mut pending = Vec::new();
    for file in files {
        let r = read_source(file.as_ref())
            .map_err(|e| (2, e))
            .and_then(|src| file_in_quiet(vm, file.as_ref(), &src));
        pending.extend(vm.take_warnings());
        if let Err((code, msg)) = r {
            warn_undeclared(vm, pending);
            die(code, &msg)
        }
    }
    warn_undeclared(vm, pending);
}

/// [`try_file_in`] keeping the warnings in the VM (the output so far is
/// printed).
fn file_in_quiet(vm: &mut Vm, file: &str, src: &str) -> Result<(), (i32, String)> {
    let r = vm.file_in(file, src);
    flush(vm);
    r.map_err(|e| {
        let code = if e.kind == FileInErrorKind::Compile {
            2
        } else {
            1
        };
        (code, e.to_string())
    })
}

/// Prints `warnings`, less those about a variable that is a global now.
fn warn_undeclared(vm: &Vm, warnings: Vec<String>) {
    const UNDECLARED: &str = "warning: undeclared variable ";
    for w in warnings {
        let name = w.rsplit_once(UNDECLARED).map(|(_, n)| n.trim_end());
        if name.is_none_or(|n| vm.global(n).is_none()) {
            say(&w);
        }
    }
}
