//! Method sources in a snapshot, as places in the kernel sources the
//! binary holds (`crate::kernel::SOURCES`): written as a distance from
//! where the last one ended, and a length as a difference from the
//! distance to the next `!` (where a chunk ends), both usually small.

/// A place in the kernel sources: (file, byte offset).
pub type Place = (usize, usize);

/// Where `src` is in the kernel sources: first after `from`, in its file
/// (methods are written in the order they were filed in), then anywhere.
pub fn find(src: &str, from: Place) -> Option<Place> {
    let files = crate::kernel::SOURCES;
    if src.is_empty() {
        return None;
    }
    let (f, at) = from;
    if let Some(i) = files
        .get(f)
        .and_then(|(_, text)| text.get(at..))
        .and_then(|t| t.find(src))
    {
        return Some((f, at + i));
    }
    files
        .iter()
        .enumerate()
        .find_map(|(f, (_, text))| text.find(src).map(|i| (f, i)))
}

/// The text at `place`, up to the next `!` (or the end of the file);
/// `None` for a place outside the sources.
pub fn to_bang((f, at): Place) -> Option<&'static str> {
    let text = crate::kernel::SOURCES.get(f)?.1.get(at..)?;
    Some(&text[..text.find('!').unwrap_or(text.len())])
}

/// The `len` bytes at `place`, if they are in the sources.
pub fn slice((f, at): Place, len: usize) -> Option<&'static str> {
    let text = crate::kernel::SOURCES.get(f)?.1;
    text.get(at..at.checked_add(len)?)
}
