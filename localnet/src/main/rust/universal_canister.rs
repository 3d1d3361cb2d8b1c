//! A canister that runs a program given as the message argument: a small stack machine
//! whose instructions map onto the ic0 System API. Tests script any canister behaviour with it
//! (replies, rejects, traps, inter-canister calls with callbacks, cycles, stable memory, timers)
//! without writing a new canister per case. Std only; built for wasm32-unknown-unknown.

use std::cell::RefCell;

mod ic0 {
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
        pub fn msg_cycles_refunded128(dst: u32);
        pub fn msg_cycles_accept128(high: u64, low: u64, dst: u32);
        pub fn canister_self_size() -> u32;
        pub fn canister_self_copy(dst: u32, offset: u32, size: u32);
        pub fn canister_cycle_balance128(dst: u32);
        pub fn canister_status() -> u32;
        pub fn canister_version() -> u64;
        pub fn accept_message();
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
        pub fn data_certificate_present() -> u32;
        pub fn data_certificate_size() -> u32;
        pub fn data_certificate_copy(dst: u32, offset: u32, size: u32);
        pub fn time() -> u64;
        pub fn global_timer_set(timestamp: u64) -> u64;
        pub fn performance_counter(counter_type: u32) -> u64;
        pub fn is_controller(src: u32, size: u32) -> u32;
        pub fn debug_print(src: u32, size: u32);
        pub fn trap(src: u32, size: u32);
    }
}

#[derive(Default)]
struct State {
    store: Vec<u8>,
    programs: Vec<Vec<u8>>,
    heartbeat: Vec<u8>,
    timer: Vec<u8>,
    pre_upgrade: Vec<u8>,
    inspect_accepts: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State { inspect_accepts: true, ..Default::default() });
}

fn arg_data() -> Vec<u8> {
    unsafe {
        let n = ic0::msg_arg_data_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::msg_arg_data_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

fn caller() -> Vec<u8> {
    unsafe {
        let n = ic0::msg_caller_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::msg_caller_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

fn self_id() -> Vec<u8> {
    unsafe {
        let n = ic0::canister_self_size() as usize;
        let mut buf = vec![0u8; n];
        ic0::canister_self_copy(buf.as_mut_ptr() as u32, 0, n as u32);
        buf
    }
}

fn trap(msg: &str) -> ! {
    unsafe {
        ic0::trap(msg.as_ptr() as u32, msg.len() as u32);
    }
    unreachable!()
}

fn u64_of(bytes: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(b)
}

fn u128_low(f: unsafe extern "C" fn(u32)) -> u64 {
    let mut buf = [0u8; 16];
    unsafe { f(buf.as_mut_ptr() as u32) };
    u64_of(&buf[..8])
}

struct Machine {
    stack: Vec<Vec<u8>>,
}

impl Machine {
    fn pop(&mut self) -> Vec<u8> {
        match self.stack.pop() {
            Some(v) => v,
            None => trap("universal canister: stack underflow"),
        }
    }

    fn pop_u64(&mut self) -> u64 {
        let v = self.pop();
        u64_of(&v)
    }

    fn push_u64(&mut self, v: u64) {
        self.stack.push(v.to_le_bytes().to_vec());
    }

    fn push_u32(&mut self, v: u32) {
        self.stack.push(v.to_le_bytes().to_vec());
    }
}

fn store_program(p: Vec<u8>) -> u32 {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.programs.push(p);
        (s.programs.len() - 1) as u32
    })
}

extern "C" fn callback(env: u32) {
    let program = STATE.with(|s| s.borrow().programs.get(env as usize).cloned());
    match program {
        Some(p) => run(&p),
        None => trap("universal canister: unknown callback program"),
    }
}

fn run(program: &[u8]) {
    let mut m = Machine { stack: Vec::new() };
    let mut pc = 0usize;
    let read_u32 = |pc: &mut usize| -> u32 {
        if *pc + 4 > program.len() {
            trap("universal canister: truncated program");
        }
        let v = u32::from_le_bytes([program[*pc], program[*pc + 1], program[*pc + 2], program[*pc + 3]]);
        *pc += 4;
        v
    };
    while pc < program.len() {
        let op = program[pc];
        pc += 1;
        unsafe {
            match op {
                0x01 => {
                    let len = read_u32(&mut pc) as usize;
                    if pc + len > program.len() {
                        trap("universal canister: truncated push");
                    }
                    m.stack.push(program[pc..pc + len].to_vec());
                    pc += len;
                }
                0x02 => {
                    let d = m.pop();
                    ic0::msg_reply_data_append(d.as_ptr() as u32, d.len() as u32);
                }
                0x03 => ic0::msg_reply(),
                0x04 => {
                    let d = m.pop();
                    ic0::msg_reject(d.as_ptr() as u32, d.len() as u32);
                }
                0x05 => m.stack.push(arg_data()),
                0x06 => m.stack.push(caller()),
                0x07 => m.stack.push(self_id()),
                0x08 => m.push_u32(ic0::msg_reject_code()),
                0x09 => {
                    let n = ic0::msg_reject_msg_size() as usize;
                    let mut buf = vec![0u8; n];
                    ic0::msg_reject_msg_copy(buf.as_mut_ptr() as u32, 0, n as u32);
                    m.stack.push(buf);
                }
                0x0A => {
                    let d = m.pop();
                    ic0::trap(d.as_ptr() as u32, d.len() as u32);
                }
                0x0B => {
                    let d = m.pop();
                    ic0::debug_print(d.as_ptr() as u32, d.len() as u32);
                }
                0x0C => {
                    let d = m.pop();
                    STATE.with(|s| s.borrow_mut().store = d);
                }
                0x0D => m.stack.push(STATE.with(|s| s.borrow().store.clone())),
                0x0E => {
                    let pages = m.pop_u64();
                    m.push_u64(ic0::stable64_grow(pages));
                }
                0x0F => {
                    let data = m.pop();
                    let offset = m.pop_u64();
                    ic0::stable64_write(offset, data.as_ptr() as u64, data.len() as u64);
                }
                0x10 => {
                    let len = m.pop_u64() as usize;
                    let offset = m.pop_u64();
                    let mut buf = vec![0u8; len];
                    ic0::stable64_read(buf.as_mut_ptr() as u64, offset, len as u64);
                    m.stack.push(buf);
                }
                0x11 => m.push_u64(ic0::stable64_size()),
                0x12 => {
                    let on_reject = m.pop();
                    let on_reply = m.pop();
                    let method = m.pop();
                    let callee = m.pop();
                    let reply_env = store_program(on_reply);
                    let reject_env = store_program(on_reject);
                    let f = callback as extern "C" fn(u32) as usize as u32;
                    ic0::call_new(
                        callee.as_ptr() as u32,
                        callee.len() as u32,
                        method.as_ptr() as u32,
                        method.len() as u32,
                        f,
                        reply_env,
                        f,
                        reject_env,
                    );
                }
                0x13 => {
                    let d = m.pop();
                    ic0::call_data_append(d.as_ptr() as u32, d.len() as u32);
                }
                0x14 => {
                    let amount = m.pop_u64();
                    ic0::call_cycles_add128(0, amount);
                }
                0x15 => {
                    let err = ic0::call_perform();
                    m.push_u32(err);
                }
                0x16 => {
                    let p = m.pop();
                    let env = store_program(p);
                    ic0::call_on_cleanup(callback as extern "C" fn(u32) as usize as u32, env);
                }
                0x17 => {
                    let max = m.pop_u64();
                    let mut buf = [0u8; 16];
                    ic0::msg_cycles_accept128(0, max, buf.as_mut_ptr() as u32);
                    m.push_u64(u64_of(&buf[..8]));
                }
                0x18 => m.push_u64(u128_low(ic0::msg_cycles_available128)),
                0x19 => m.push_u64(u128_low(ic0::msg_cycles_refunded128)),
                0x1A => m.push_u64(u128_low(ic0::canister_cycle_balance128)),
                0x1B => {
                    let d = m.pop();
                    ic0::certified_data_set(d.as_ptr() as u32, d.len() as u32);
                }
                0x1C => {
                    if ic0::data_certificate_present() == 0 {
                        m.stack.push(Vec::new());
                    } else {
                        let n = ic0::data_certificate_size() as usize;
                        let mut buf = vec![0u8; n];
                        ic0::data_certificate_copy(buf.as_mut_ptr() as u32, 0, n as u32);
                        m.stack.push(buf);
                    }
                }
                0x1D => m.push_u64(ic0::time()),
                0x1E => {
                    let t = m.pop_u64();
                    m.push_u64(ic0::global_timer_set(t));
                }
                0x1F => {
                    let kind = m.pop_u64() as u32;
                    m.push_u64(ic0::performance_counter(kind));
                }
                0x20 => {
                    let mut x: u64 = 1;
                    loop {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                        if x == 0 {
                            break;
                        }
                        core::ptr::read_volatile(&x);
                    }
                }
                0x21 => {
                    let p = m.pop();
                    STATE.with(|s| s.borrow_mut().heartbeat = p);
                }
                0x22 => {
                    let p = m.pop();
                    STATE.with(|s| s.borrow_mut().timer = p);
                }
                0x23 => {
                    let p = m.pop();
                    STATE.with(|s| s.borrow_mut().inspect_accepts = p.first().copied().unwrap_or(1) != 0);
                }
                0x24 => {
                    let b = m.pop();
                    let mut a = m.pop();
                    a.extend_from_slice(&b);
                    m.stack.push(a);
                }
                0x25 => {
                    let d = m.pop();
                    m.push_u32(d.len() as u32);
                }
                0x26 => {
                    let d = m.pop();
                    m.stack.push(d.clone());
                    m.stack.push(d);
                }
                0x27 => {
                    let p = m.pop();
                    STATE.with(|s| s.borrow_mut().pre_upgrade = p);
                }
                0x28 => m.push_u32(ic0::canister_status()),
                0x29 => m.push_u64(ic0::canister_version()),
                0x2A => {
                    let p = m.pop();
                    m.push_u32(ic0::is_controller(p.as_ptr() as u32, p.len() as u32));
                }
                0x2B => {
                    let n = m.pop_u64();
                    let mut x: u64 = 1;
                    for i in 0..n {
                        x = x.wrapping_mul(31).wrapping_add(i);
                    }
                    core::ptr::read_volatile(&x);
                }
                0x2C => {
                    let count = m.pop_u64() as usize;
                    let byte = m.pop();
                    m.stack.push(vec![byte.first().copied().unwrap_or(0); count]);
                }
                0x2D => {
                    let pages = m.pop_u64() as usize;
                    let r = core::arch::wasm32::memory_grow(0, pages);
                    m.push_u64(r as u64);
                }
                0x30 => {
                    m.pop();
                }
                _ => trap("universal canister: unknown instruction"),
            }
        }
    }
}

#[export_name = "canister_init"]
pub extern "C" fn init() {
    run(&arg_data());
}

#[export_name = "canister_update update"]
pub extern "C" fn update() {
    run(&arg_data());
}

#[export_name = "canister_query query"]
pub extern "C" fn query() {
    run(&arg_data());
}

#[export_name = "canister_pre_upgrade"]
pub extern "C" fn pre_upgrade() {
    let p = STATE.with(|s| s.borrow().pre_upgrade.clone());
    run(&p);
}

#[export_name = "canister_post_upgrade"]
pub extern "C" fn post_upgrade() {
    run(&arg_data());
}

#[export_name = "canister_heartbeat"]
pub extern "C" fn heartbeat() {
    let p = STATE.with(|s| s.borrow().heartbeat.clone());
    run(&p);
}

#[export_name = "canister_global_timer"]
pub extern "C" fn global_timer() {
    let p = STATE.with(|s| s.borrow().timer.clone());
    run(&p);
}

#[export_name = "canister_inspect_message"]
pub extern "C" fn inspect_message() {
    if STATE.with(|s| s.borrow().inspect_accepts) {
        unsafe { ic0::accept_message() };
    }
}
