//! Safe wrappers over the `ic0` System API, shared by the canisters.

use crate::candid::{self, Type, Value};
use crate::ic0;

pub fn arg_data() -> Vec<u8> {
    unsafe {
        let n = ic0::msg_arg_data_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::msg_arg_data_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

pub fn caller() -> Vec<u8> {
    unsafe {
        let n = ic0::msg_caller_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::msg_caller_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

pub fn self_id() -> Vec<u8> {
    unsafe {
        let n = ic0::canister_self_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::canister_self_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

pub fn reply(bytes: &[u8]) {
    unsafe {
        ic0::msg_reply_data_append(bytes.as_ptr() as u32, bytes.len() as u32);
        ic0::msg_reply();
    }
}

/// Replies with one Candid value.
pub fn reply_candid(t: Type, v: Value) {
    reply(&candid::encode_one(t, v));
}

/// Replies with an empty Candid argument list, the reply of a method returning `()`.
pub fn reply_empty() {
    reply(b"DIDL\x00\x00");
}

/// Rejects the call with a message; the canister's state changes are kept, so callers reject
/// before changing anything.
pub fn reject(message: &str) {
    unsafe { ic0::msg_reject(message.as_ptr() as u32, message.len() as u32) }
}

pub fn trap(message: &str) -> ! {
    unsafe { ic0::trap(message.as_ptr() as u32, message.len() as u32) };
    unreachable!()
}

pub fn print(message: &str) {
    unsafe { ic0::debug_print(message.as_ptr() as u32, message.len() as u32) }
}

pub fn time() -> u64 {
    unsafe { ic0::time() }
}

/// Instructions executed so far in this message execution.
pub fn instructions() -> u64 {
    unsafe { ic0::performance_counter(0) }
}

pub fn is_controller(principal: &[u8]) -> bool {
    unsafe { ic0::is_controller(principal.as_ptr() as u32, principal.len() as u32) == 1 }
}

pub fn cycle_balance() -> u128 {
    let mut buf = [0u8; 16];
    unsafe { ic0::canister_cycle_balance128(buf.as_mut_ptr() as u32) };
    u128::from_le_bytes(buf)
}

/// Cycles the canister can spend before it would cross its freezing threshold: the balance
/// minus what the freezing threshold and reserved storage hold back.
pub fn liquid_cycle_balance() -> u128 {
    let mut buf = [0u8; 16];
    unsafe { ic0::canister_liquid_cycle_balance128(buf.as_mut_ptr() as u32) };
    u128::from_le_bytes(buf)
}

/// Bytes of heap and stable memory, which the IC charges storage for (the module's own bytes,
/// also charged, are not visible from inside).
pub fn memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    let heap = core::arch::wasm32::memory_size(0) as u64 * 65536;
    #[cfg(not(target_arch = "wasm32"))]
    let heap = 0;
    heap + unsafe { ic0::stable64_size() } * 65536
}

pub fn cycles_refunded() -> u128 {
    let mut buf = [0u8; 16];
    unsafe { ic0::msg_cycles_refunded128(buf.as_mut_ptr() as u32) };
    u128::from_le_bytes(buf)
}

/// 1 running, 2 stopping, 3 stopped.
pub fn canister_status() -> u32 {
    unsafe { ic0::canister_status() }
}

pub fn is_running() -> bool {
    canister_status() == 1
}

/// Asks for `canister_global_timer` at `nanos` (0 cancels).
pub fn set_timer(nanos: u64) {
    unsafe {
        ic0::global_timer_set(nanos);
    }
}

pub fn reject_code() -> u32 {
    unsafe { ic0::msg_reject_code() }
}

pub fn reject_message() -> String {
    unsafe {
        let n = ic0::msg_reject_msg_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::msg_reject_msg_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

pub type Callback = extern "C" fn(u32);

/// Calls `method` on `callee`; the callbacks get `env`. Returns false when the system refused
/// to queue the call (for instance because the canister cannot pay for it).
pub fn call(callee: &[u8], method: &str, arg: &[u8], on_reply: Callback, on_reject: Callback, env: u32) -> bool {
    unsafe {
        ic0::call_new(
            callee.as_ptr() as u32,
            callee.len() as u32,
            method.as_ptr() as u32,
            method.len() as u32,
            on_reply as usize as u32,
            env,
            on_reject as usize as u32,
            env,
        );
        ic0::call_data_append(arg.as_ptr() as u32, arg.len() as u32);
        ic0::call_perform() == 0
    }
}

// ---- principals as text ----------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc: u32 = 0xffff_ffff;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// The textual form of a principal (base32 of CRC-32 and bytes, in groups of five), so that
/// messages name principals as people see them.
pub fn principal_text(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut data = crc32(bytes).to_be_bytes().to_vec();
    data.extend_from_slice(bytes);
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for b in data {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    let mut grouped = String::with_capacity(out.len() + out.len() / 5);
    for (i, c) in out.chars().enumerate() {
        if i > 0 && i % 5 == 0 {
            grouped.push('-');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_text_matches_the_ic_forms() {
        assert_eq!(principal_text(&[]), "aaaaa-aa");
        assert_eq!(principal_text(&[4]), "2vxsx-fae");
        // The ledger canister ryjl3-tyaaa-aaaaa-aaaba-cai has id 0x00000000000000020101.
        assert_eq!(principal_text(&[0, 0, 0, 0, 0, 0, 0, 2, 1, 1]), "ryjl3-tyaaa-aaaaa-aaaba-cai");
    }
}
