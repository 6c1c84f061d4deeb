//! Chunk-format and SOM readers on arbitrary text: must never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = livetalk::fileformat::read_chunks(src);
        let _ = livetalk::fileformat::read_som(src);
    }
});
