//! Outgoing calls and their callbacks. Every call carries a token naming what it was for
//! (`state::Pending`); a reply whose token is unknown (made before an upgrade) is dropped, and the
//! work it stood for is queued again elsewhere; a reply for a run that was abandoned, failed or
//! replaced is looked at by nothing but the cycle accounting.

use crate::api;
use crate::run;
use crate::restore;
use crate::state::{self, Pending, State};

pub type Outcome = Result<Vec<u8>, (u32, String)>;

pub const EMPTY_ARGS: &[u8] = b"DIDL\x00\x00";

/// Queues a call; false when the system refused it (typically: the canister cannot pay).
pub fn issue(s: &mut State, callee: &[u8], method: &str, arg: &[u8], p: Pending) -> bool {
    let t = s.token(p);
    if api::call(callee, method, arg, on_reply, on_reject, t) {
        true
    } else {
        s.pending.remove(&t);
        false
    }
}

extern "C" fn on_reply(env: u32) {
    dispatch(env, Ok(api::arg_data()));
}

extern "C" fn on_reject(env: u32) {
    dispatch(env, Err((api::reject_code(), api::reject_message())));
}

fn dispatch(token: u32, outcome: Outcome) {
    state::with(|s| {
        let p = match s.pending.remove(&token) {
            Some(p) => p,
            None => {
                // A reply to a call made before an upgrade: its work was queued again. It is
                // also a chance to re-arm the timer, should the upgrade have left it unset.
                drive(s);
                return;
            }
        };
        if s.is_current(&p) {
            run::account_cycles(s);
        } else {
            // A late reply of an abandoned or replaced run: the refund it brings back was reserved
            // by that run, not by the one in progress.
            run::account_cycles_past_refund(s);
        }
        match p {
            Pending::Begin { run } => run::on_begin(s, run, outcome),
            Pending::Changes { run } => run::on_changes(s, run, outcome),
            Pending::Read { run, epoch, index } => run::on_read(s, run, epoch, index, outcome),
            Pending::End { run } => run::on_end(s, run),
            Pending::RestoreBegin => restore::on_begin(s, outcome),
            Pending::RestoreWrite { index } => restore::on_write(s, index, outcome),
            Pending::RestoreCommit => restore::on_commit(s, outcome),
            Pending::RestoreAbort => {}
        }
        drive(s);
    })
}

/// Issues whatever the run and the restore can issue now, and keeps the timer armed while
/// either is active so they finish without anyone calling in.
pub fn drive(s: &mut State) {
    run::pump(s);
    restore::pump(s);
    // Look again after issuing: the calls' reserves are then spent now, and the next rise can
    // only hold their refunds (or a deposit), not be netted against their cost.
    run::account_cycles(s);
    let now = api::time();
    let run_wait = s.run.as_ref().map(|r| r.phase.is_active()).unwrap_or(false);
    let restore_wait = s.restore.as_ref().map(|j| j.phase.is_active()).unwrap_or(false);
    if run::waiting_for_image(s) {
        api::set_timer(now + 200_000_000);
    } else if run_wait || restore_wait {
        api::set_timer(now + 1_000_000_000);
    } else {
        api::set_timer(0);
    }
}

pub fn reject_text(code: u32, message: &str) -> String {
    format!("reject code {}: {}", code, message)
}
