//! System API imports the shared `ic0.rs` does not declare yet. Kept here, not in the shared
//! library, so the two branches never edit the same file; fold into `lib/ic0.rs` when convenient.

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "ic0")]
extern "C" {
    fn canister_liquid_cycle_balance128(dst: u32);
}

/// Cycles the canister can spend before it would cross its freezing threshold (balance minus
/// the reserve the freezing threshold and reserved storage hold back). Pulling stops short of it.
#[cfg(target_arch = "wasm32")]
pub fn liquid_cycle_balance() -> u128 {
    let mut buf = [0u8; 16];
    unsafe { canister_liquid_cycle_balance128(buf.as_mut_ptr() as u32) };
    u128::from_le_bytes(buf)
}

#[cfg(not(target_arch = "wasm32"))]
pub fn liquid_cycle_balance() -> u128 {
    u128::MAX
}
