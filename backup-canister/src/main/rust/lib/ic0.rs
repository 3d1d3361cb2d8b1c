//! The `ic0` System API imports. On wasm32 they are the host's functions; in native unit tests
//! a small simulation stands in for the parts the shared code touches (stable memory, time,
//! performance counter), so storage logic can be tested without a network.

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "ic0")]
extern "C" {
    pub fn msg_arg_data_size() -> u32;
    pub fn msg_arg_data_copy(dst: u32, offset: u32, size: u32);
    pub fn msg_caller_size() -> u32;
    pub fn msg_caller_copy(dst: u32, offset: u32, size: u32);
    pub fn msg_reject_code() -> u32;
    pub fn msg_reject_msg_size() -> u32;
    pub fn msg_reject_msg_copy(dst: u32, offset: u32, size: u32);
    pub fn msg_reply_data_append(src: u32, size: u32);
    pub fn msg_reply();
    pub fn msg_reject(src: u32, size: u32);
    pub fn msg_cycles_available128(dst: u32);
    pub fn msg_cycles_accept128(high: u64, low: u64, dst: u32);
    pub fn msg_cycles_refunded128(dst: u32);
    pub fn canister_self_size() -> u32;
    pub fn canister_self_copy(dst: u32, offset: u32, size: u32);
    pub fn canister_cycle_balance128(dst: u32);
    pub fn canister_liquid_cycle_balance128(dst: u32);
    pub fn canister_status() -> u32;
    pub fn call_new(
        callee_src: u32,
        callee_size: u32,
        name_src: u32,
        name_size: u32,
        reply_fun: u32,
        reply_env: u32,
        reject_fun: u32,
        reject_env: u32,
    );
    pub fn call_on_cleanup(fun: u32, env: u32);
    pub fn call_data_append(src: u32, size: u32);
    pub fn call_cycles_add128(high: u64, low: u64);
    pub fn call_perform() -> u32;
    pub fn stable64_size() -> u64;
    pub fn stable64_grow(new_pages: u64) -> u64;
    pub fn stable64_write(offset: u64, src: u64, size: u64);
    pub fn stable64_read(dst: u64, offset: u64, size: u64);
    pub fn certified_data_set(src: u32, size: u32);
    pub fn time() -> u64;
    pub fn global_timer_set(timestamp: u64) -> u64;
    pub fn performance_counter(counter_type: u32) -> u64;
    pub fn is_controller(src: u32, size: u32) -> u32;
    pub fn debug_print(src: u32, size: u32);
    pub fn trap(src: u32, size: u32);
}

#[cfg(not(target_arch = "wasm32"))]
pub use self::native::*;

#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::missing_safety_doc)]
pub mod native {
    //! Native stand-ins: stable memory is a vector, time is a settable counter, and everything
    //! that needs a real network panics, so a test that reaches it fails loudly.
    use std::cell::RefCell;

    thread_local! {
        static STABLE: RefCell<Vec<u8>> = RefCell::new(Vec::new());
        static TIME: RefCell<u64> = RefCell::new(1_700_000_000_000_000_000);
        static TIMER: RefCell<u64> = RefCell::new(0);
    }

    const PAGE: u64 = 65536;

    /// Sets the simulated time in nanoseconds.
    pub fn set_time(nanos: u64) {
        TIME.with(|t| *t.borrow_mut() = nanos);
    }

    /// Clears the simulated stable memory, as a fresh canister has it.
    pub fn reset_stable() {
        STABLE.with(|s| s.borrow_mut().clear());
    }

    pub fn timer() -> u64 {
        TIMER.with(|t| *t.borrow())
    }

    pub unsafe fn stable64_size() -> u64 {
        STABLE.with(|s| s.borrow().len() as u64 / PAGE)
    }

    pub unsafe fn stable64_grow(new_pages: u64) -> u64 {
        STABLE.with(|s| {
            let mut s = s.borrow_mut();
            let old = s.len() as u64 / PAGE;
            let new_len = (old + new_pages) * PAGE;
            s.resize(new_len as usize, 0);
            old
        })
    }

    pub unsafe fn stable64_write(offset: u64, src: u64, size: u64) {
        STABLE.with(|s| {
            let mut s = s.borrow_mut();
            assert!(offset + size <= s.len() as u64, "stable memory out of bounds");
            let data = std::slice::from_raw_parts(src as usize as *const u8, size as usize);
            s[offset as usize..(offset + size) as usize].copy_from_slice(data);
        })
    }

    pub unsafe fn stable64_read(dst: u64, offset: u64, size: u64) {
        STABLE.with(|s| {
            let s = s.borrow();
            assert!(offset + size <= s.len() as u64, "stable memory out of bounds");
            let out = std::slice::from_raw_parts_mut(dst as usize as *mut u8, size as usize);
            out.copy_from_slice(&s[offset as usize..(offset + size) as usize]);
        })
    }

    pub unsafe fn time() -> u64 {
        TIME.with(|t| *t.borrow())
    }

    pub unsafe fn global_timer_set(timestamp: u64) -> u64 {
        TIMER.with(|t| std::mem::replace(&mut *t.borrow_mut(), timestamp))
    }

    pub unsafe fn performance_counter(_counter_type: u32) -> u64 {
        0
    }

    pub unsafe fn debug_print(src: u32, size: u32) {
        let _ = (src, size);
    }

    pub unsafe fn trap(_src: u32, _size: u32) {
        panic!("canister trapped");
    }

    macro_rules! unavailable {
        ($($name:ident($($arg:ident: $t:ty),*) $(-> $r:ty)?;)*) => {
            $(
                pub unsafe fn $name($($arg: $t),*) $(-> $r)? {
                    $(let _ = $arg;)*
                    panic!(concat!("ic0.", stringify!($name), " is not available in native tests"))
                }
            )*
        };
    }

    unavailable! {
        msg_arg_data_size() -> u32;
        msg_arg_data_copy(dst: u32, offset: u32, size: u32);
        msg_caller_size() -> u32;
        msg_caller_copy(dst: u32, offset: u32, size: u32);
        msg_reject_code() -> u32;
        msg_reject_msg_size() -> u32;
        msg_reject_msg_copy(dst: u32, offset: u32, size: u32);
        msg_reply_data_append(src: u32, size: u32);
        msg_reply();
        msg_reject(src: u32, size: u32);
        msg_cycles_available128(dst: u32);
        msg_cycles_accept128(high: u64, low: u64, dst: u32);
        msg_cycles_refunded128(dst: u32);
        canister_self_size() -> u32;
        canister_self_copy(dst: u32, offset: u32, size: u32);
        canister_cycle_balance128(dst: u32);
        canister_liquid_cycle_balance128(dst: u32);
        canister_status() -> u32;
        call_new(callee_src: u32, callee_size: u32, name_src: u32, name_size: u32, reply_fun: u32, reply_env: u32, reject_fun: u32, reject_env: u32);
        call_on_cleanup(fun: u32, env: u32);
        call_data_append(src: u32, size: u32);
        call_cycles_add128(high: u64, low: u64);
        call_perform() -> u32;
        certified_data_set(src: u32, size: u32);
        is_controller(src: u32, size: u32) -> u32;
    }
}
