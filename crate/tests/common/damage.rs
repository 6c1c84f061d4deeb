//! Damaged kernel snapshots, as the `snapshot` fuzz target makes them
//! (shared with `fuzz/fuzz_targets/snapshot.rs`).

/// `payload` with the edits `records` describe: six bytes each, an
/// operation (flip, set, insert, remove, cut), a 4-byte offset (modulo
/// the length) and a value.
pub fn damaged(payload: &[u8], records: &[u8]) -> Vec<u8> {
    let mut p = payload.to_vec();
    for r in records.chunks_exact(6) {
        if p.is_empty() {
            break;
        }
        let at = u32::from_le_bytes([r[1], r[2], r[3], r[4]]) as usize % p.len();
        match r[0] % 5 {
            0 => p[at] ^= r[5] | 1,
            1 => p[at] = r[5],
            2 => p.insert(at, r[5]),
            3 => {
                p.remove(at);
            }
            _ => p.truncate(at),
        }
    }
    p
}
