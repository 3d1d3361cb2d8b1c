//! Where the social network's log lives, by the replication style the canister was installed
//! with: the library's stable region (every write seen by copy-on-write), or a heap buffer that
//! the library saves as the image at each begin and upgrade (the pre_upgrade/post_upgrade way).
//! The log's bytes are the same either way.

use std::cell::RefCell;

use crate::protocol::PAGE_SIZE;
use crate::replication::stable;

thread_local! {
    /// `Some` in the serialized style.
    static HEAP: RefCell<Option<Vec<u8>>> = RefCell::new(None);
}

pub fn use_heap(bytes: Vec<u8>) {
    HEAP.with(|h| *h.borrow_mut() = Some(bytes));
}

/// The serialized style's image: the whole log buffer.
pub fn heap_image() -> Vec<u8> {
    HEAP.with(|h| h.borrow().clone().unwrap_or_default())
}

pub fn size() -> u64 {
    HEAP.with(|h| match h.borrow().as_ref() {
        Some(v) => v.len() as u64,
        None => stable::size(),
    })
}

/// Adds `pages` zeroed pages; returns the old size.
pub fn grow(pages: u64) -> Result<u64, String> {
    let grown = HEAP.with(|h| {
        h.borrow_mut().as_mut().map(|v| {
            let old = v.len() as u64;
            v.resize((old + pages * PAGE_SIZE) as usize, 0);
            old
        })
    });
    match grown {
        Some(old) => Ok(old),
        None => stable::grow(pages),
    }
}

pub fn read(offset: u64, buf: &mut [u8]) {
    let done = HEAP.with(|h| {
        h.borrow().as_ref().map(|v| buf.copy_from_slice(&v[offset as usize..offset as usize + buf.len()])).is_some()
    });
    if !done {
        stable::read(offset, buf)
    }
}

pub fn write(offset: u64, data: &[u8]) {
    let done = HEAP.with(|h| {
        h.borrow_mut().as_mut().map(|v| v[offset as usize..offset as usize + data.len()].copy_from_slice(data)).is_some()
    });
    if !done {
        stable::write(offset, data)
    }
}
