//! The replication library, linked into an app canister: it serves a frozen, hashed image of the
//! app's state under an epoch to the app's backup canisters, tracks which chunks changed, and
//! loads a restored image atomically. docs/protocol.md is the authority on its behaviour.
//!
//! An app picks one style in its `Config`:
//! - `Style::Stable`: the app keeps its data in the library's stable-memory region and reaches it
//!   only through `replication::stable` (copy-on-write needs to see every write);
//! - `Style::Serialized`: the app keeps its state on the heap and gives `save`/`load`, as for
//!   pre_upgrade/post_upgrade.
//!
//! The app calls `init`, `pre_upgrade` and `post_upgrade` from its own lifecycle hooks; the
//! library exports the `replication_*` and `restore_*` methods itself.

pub mod library;
mod region;

#[cfg(target_arch = "wasm32")]
mod endpoints;

#[cfg(test)]
mod tests;

use std::cell::RefCell;

use crate::api;
use crate::protocol::{DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, PAGE_SIZE};
use library::{Library, Settings, STYLE_SERIALIZED, STYLE_STABLE};

pub type Hook = fn() -> Result<(), String>;

pub enum Style {
    Stable,
    Serialized { save: fn() -> Vec<u8>, load: fn(&[u8]) -> Result<(), String> },
}

pub struct Config {
    pub style: Style,
    /// A multiple of 64 KiB, at most `MAX_CHUNK_SIZE`.
    pub chunk_size: u64,
    pub epoch_ttl_seconds: u64,
    /// Instructions a `replication_begin` may spend hashing before it replies without a root.
    pub hash_budget_instructions: u64,
    /// Heap the copy-on-write copies of one open epoch may take; beyond it the epoch ends.
    pub max_preserved_bytes: u64,
    /// Called after the region was replaced by a restore or survived an upgrade (stable style),
    /// so the app can rebuild what it caches on the heap. An error traps, undoing the restore.
    pub on_loaded: Hook,
}

impl Config {
    pub fn new(style: Style, on_loaded: Hook) -> Config {
        Config {
            style,
            chunk_size: DEFAULT_CHUNK_SIZE,
            epoch_ttl_seconds: 1800,
            // Half an update's 40 B limit, leaving the rest for the reply and the app.
            hash_budget_instructions: 20_000_000_000,
            max_preserved_bytes: 1 << 30,
            on_loaded,
        }
    }

    fn settings(&self) -> Settings {
        if self.chunk_size == 0 || self.chunk_size % PAGE_SIZE != 0 || self.chunk_size > MAX_CHUNK_SIZE {
            api::trap(&format!(
                "replication: chunk_size {} must be a positive multiple of {} and at most {}",
                self.chunk_size, PAGE_SIZE, MAX_CHUNK_SIZE
            ));
        }
        Settings {
            style: match self.style {
                Style::Stable => STYLE_STABLE,
                Style::Serialized { .. } => STYLE_SERIALIZED,
            },
            chunk_size: self.chunk_size,
            epoch_ttl_nanos: self.epoch_ttl_seconds.saturating_mul(1_000_000_000),
            hash_budget: self.hash_budget_instructions,
            max_preserved_bytes: self.max_preserved_bytes,
        }
    }
}

struct Hooks {
    save: Option<fn() -> Vec<u8>>,
    load: Option<fn(&[u8]) -> Result<(), String>>,
    on_loaded: Hook,
}

thread_local! {
    static LIB: RefCell<Option<Library>> = RefCell::new(None);
    static HOOKS: RefCell<Option<Hooks>> = RefCell::new(None);
}

fn with_lib<R>(f: impl FnOnce(&mut Library) -> R) -> R {
    LIB.with(|l| f(l.borrow_mut().as_mut().expect("replication: init or post_upgrade was not called")))
}

fn set_hooks(config: &Config) {
    let (save, load) = match config.style {
        Style::Stable => (None, None),
        Style::Serialized { save, load } => (Some(save), Some(load)),
    };
    HOOKS.with(|h| *h.borrow_mut() = Some(Hooks { save, load, on_loaded: config.on_loaded }));
}

fn hooks<R>(f: impl FnOnce(&Hooks) -> R) -> R {
    HOOKS.with(|h| f(h.borrow().as_ref().expect("replication: init or post_upgrade was not called")))
}

/// From `canister_init`: lays out stable memory for the library.
pub fn init(config: Config) {
    let lib = Library::install(config.settings()).unwrap_or_else(|e| api::trap(&format!("replication: {}", e)));
    set_hooks(&config);
    LIB.with(|l| *l.borrow_mut() = Some(lib));
}

/// From `canister_pre_upgrade`: ends open epochs, saves the serialized state (serialized style)
/// and the library's own heap state.
pub fn pre_upgrade() {
    let save = hooks(|h| h.save);
    with_lib(|l| l.end_all());
    if let Some(save) = save {
        let image = save();
        with_lib(|l| l.store_image(&image)).unwrap_or_else(|e| api::trap(&format!("replication: {}", e)));
    }
    with_lib(|l| l.save()).unwrap_or_else(|e| api::trap(&format!("replication: {}", e)));
}

/// From `canister_post_upgrade`: reads the library's state back and reloads the app (serialized
/// style: `load`; stable style: `on_loaded`). Traps, failing the upgrade, on a layout it cannot
/// read.
pub fn post_upgrade(config: Config) {
    let lib = Library::restore_saved(config.settings()).unwrap_or_else(|e| api::trap(&format!("replication: {}", e)));
    set_hooks(&config);
    LIB.with(|l| *l.borrow_mut() = Some(lib));
    reload();
}

/// Reloads the app from the region; an error traps so the message that got here is undone.
fn reload() {
    let (load, on_loaded) = hooks(|h| (h.load, h.on_loaded));
    let result = match load {
        Some(load) => {
            let bytes = with_lib(|l| l.region_bytes());
            load(&bytes)
        }
        None => on_loaded(),
    };
    if let Err(e) = result {
        api::trap(&format!("{}: {}", crate::protocol::reject::LOAD_FAILED, e));
    }
}

/// The configuration an earlier install or upgrade left in stable memory (read before
/// `post_upgrade`, so an upgrade can keep what its argument does not name), with its style.
pub fn installed(on_loaded: Hook, serialized: Style) -> Option<Config> {
    let h = region::Header::load().ok().flatten()?;
    Some(Config {
        style: if h.style == STYLE_SERIALIZED { serialized } else { Style::Stable },
        chunk_size: h.chunk_size,
        epoch_ttl_seconds: h.epoch_ttl_nanos / 1_000_000_000,
        hash_budget_instructions: h.hash_budget,
        max_preserved_bytes: 1 << 30,
        on_loaded,
    })
}

/// The id of a staged restore, during which the app should refuse writes (a commit would
/// overwrite them).
pub fn restore_in_progress() -> Option<u64> {
    with_lib(|l| l.staged_restore())
}

/// Call at the start of every update that writes app data, before changing anything: while a
/// controller has fenced the canister (`replication_fence`) it returns the
/// `FENCED: <reason>` message the update must reject with. A promoted replica and a returning
/// old primary must never both accept writes; the fence is how one of them stops.
pub fn guard_write() -> Result<(), String> {
    with_lib(|l| l.guard_write())
}

/// Whether a controller has fenced the canister (see `guard_write`).
pub fn fenced() -> bool {
    with_lib(|l| l.fenced())
}

/// The app's data region (stable style). Offsets are logical, from 0 to `size()`.
pub mod stable {
    use super::with_lib;

    pub fn size() -> u64 {
        with_lib(|l| l.region_size())
    }

    /// Adds `pages` zeroed 64 KiB pages; returns the old size in bytes.
    pub fn grow(pages: u64) -> Result<u64, String> {
        with_lib(|l| l.grow(pages))
    }

    pub fn read(offset: u64, buf: &mut [u8]) {
        with_lib(|l| l.read(offset, buf))
    }

    pub fn write(offset: u64, data: &[u8]) {
        let now = crate::api::time();
        with_lib(|l| l.write(offset, data, now))
    }
}
