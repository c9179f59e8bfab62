//! Signals, the machine side (the layouts and rules are in sigframe.rs, the system calls in
//! syscalls/signal.rs): signals sent within the process, the alarm (ITIMER_REAL), pending sets,
//! the alternate stack, and delivery on the way back to user mode after a system call (a Linux
//! x86-64 rt_sigframe on the user or alternate stack) and rt_sigreturn. Signals for other
//! processes go to the host.
//!
//! A signal sent to the process waits in the process's pending set until a thread that does
//! not block it returns to user mode; one sent to a thread waits in that thread's set. A
//! thread blocked in the scheduler (futex, nanosleep, poll, select, pause, sigsuspend) that
//! can take a new signal stops waiting with EINTR. While anything is pending, or an alarm is
//! armed, `attention` sends every system call through the full entry path, which delivers.

use crate::abi::errno::{EAGAIN, EFAULT, EINTR, EINVAL, ENOMEM, EPERM, EPIPE, ESRCH};
use crate::abi::linux::{Timespec, NSIG, SIGALRM, SIGCHLD, SIGKILL, SIGPIPE, SIGSEGV, SIG_DFL, SIG_IGN};
use crate::host::forwarded;
use crate::arch::cell::KernelCell;
use crate::arch::cpu;
use crate::arch::trap_frame::{FxArea, TrapFrame};
use crate::host::hypercall;
use crate::mm::user;
use crate::proc::process::{with_process, SigAction, USER_ID};
use crate::proc::sched::{Block, Scheduler, State};
use crate::proc::sigframe::*;
use crate::proc::spawn;
use crate::proc::task::{self, SavedContext};

struct Signals {
    /// Sent to the process (kill, the alarm), not yet delivered.
    pending: u64,
    /// Who sent each pending signal: si_code and si_pid.
    senders: [(i32, u64); NSIG as usize],
    /// ITIMER_REAL: the next expiry on the monotonic clock (0: disarmed) and the interval.
    alarm_at: u64,
    alarm_interval: u64,
}

static SIGNALS: KernelCell<Signals> =
    KernelCell::new(Signals { pending: 0, senders: [(0, 0); NSIG as usize], alarm_at: 0, alarm_interval: 0 });

/// See the module documentation; read by the lean system call path.
static ATTENTION: KernelCell<bool> = KernelCell::new(false);

fn signals() -> &'static mut Signals {
    // SAFETY: one vCPU, interrupts off; callers never hold two of these borrows at once.
    unsafe { SIGNALS.get() }
}

/// Whether the next return to user mode must look for signals (and the alarm).
pub fn attention() -> bool {
    // SAFETY: a plain read of a bool on the only vCPU.
    unsafe { *ATTENTION.as_ptr() }
}

fn set_attention(value: bool) {
    // SAFETY: see `attention`.
    unsafe { *ATTENTION.get() = value };
    // The system-call door serves calls without the kernel: it must not while a signal waits.
    #[cfg(not(test))]
    crate::arch::door::set_pass(!value);
}

/// Recomputes `attention` from the pending sets and the alarm.
fn update_attention(s: &mut Scheduler<SavedContext>) {
    let st = signals();
    let threads = (0..s.slots_in_use()).any(|slot| s.thread(slot).pending_signals != 0);
    set_attention(st.pending != 0 || st.alarm_at != 0 || threads);
}

fn action_of(signal: u64) -> SigAction {
    with_process(|p| p.sigaction(signal, None)).unwrap_or_default()
}

/// Whether `signal` would be thrown away on delivery (ignored explicitly or by default).
fn ignored(signal: u64, action: &SigAction) -> bool {
    signal != SIGKILL
        && (action.handler == SIG_IGN || (action.handler == SIG_DFL && default_action(signal) == DefaultAction::Ignore))
}

/// Makes `signal` pending for the thread in `slot` or (None) the process, and ends the wait of
/// a thread that can take it. An ignored signal is discarded at once unless the target (for a
/// process signal, the sending thread) blocks it, as on Linux: a blocked one stays for sigwait.
fn post(s: &mut Scheduler<SavedContext>, slot: Option<usize>, signal: u64, code: i32, sender: u64) {
    let mask = s.thread(slot.unwrap_or(s.current_slot())).signal_mask;
    if ignored(signal, &action_of(signal)) && mask & bit(signal) == 0 {
        return;
    }
    let st = signals();
    st.senders[signal as usize - 1] = (code, sender);
    if hand_to_waiter(s, slot, signal, code, sender) {
        return;
    }
    let target = match slot {
        Some(slot) => {
            s.thread(slot).pending_signals |= bit(signal);
            Some(slot)
        }
        None => {
            st.pending |= bit(signal);
            waiting_taker(s, signal)
        }
    };
    set_attention(true);
    if let Some(slot) = target {
        if s.thread(slot).signal_mask & bit(signal) == 0 {
            s.interrupt(slot, -EINTR);
        }
    }
}

/// Gives `signal` to a thread waiting for it in rt_sigtimedwait (the target thread, or for a
/// process signal any such thread): its siginfo is written, its call returns the signal and
/// the signal is never pending. False when nobody waits for it.
fn hand_to_waiter(s: &mut Scheduler<SavedContext>, slot: Option<usize>, signal: u64, code: i32, sender: u64) -> bool {
    let waits = |s: &mut Scheduler<SavedContext>, slot: usize| {
        let number = s.wait_number(slot);
        let thread = s.thread(slot);
        matches!(thread.state, State::Blocked(_))
            && thread.signal_wait.is_some_and(|(set, _, wait)| set & bit(signal) != 0 && wait == number)
    };
    let Some(slot) = (match slot {
        Some(slot) => Some(slot).filter(|&slot| waits(s, slot)),
        None => (0..s.slots_in_use()).find(|&slot| waits(s, slot)),
    }) else {
        return false;
    };
    let Some((_, info_at, _)) = s.thread(slot).signal_wait.take() else { return false };
    // One address space: the waiter's buffer is written from here (a bad one loses the info,
    // as the wait's own copy-out would fail).
    if info_at != 0 {
        let _ = user::write(info_at, &SigInfo::new(signal, code, sender, USER_ID as u32));
    }
    s.interrupt(slot, signal as i64);
    true
}

/// rt_sigtimedwait(2): takes a pending signal of the set at `set_at` at once, or waits (up to
/// the timeout) for one to be sent; its siginfo goes to `info_at`. EAGAIN when the timeout
/// passes.
pub fn timed_wait(set_at: u64, info_at: u64, timeout_at: u64, size: u64) -> Result<u64, i64> {
    if size != 8 {
        return Err(EINVAL);
    }
    let set = user::read::<u64>(set_at)? & !UNBLOCKABLE;
    let timeout = if timeout_at != 0 { Some(user::read::<Timespec>(timeout_at)?.to_ns()?) } else { None };
    let taken = task::with_scheduler(|s| {
        let st = signals();
        let thread = s.current();
        let signal = lowest((thread.pending_signals | st.pending) & set)?;
        if thread.pending_signals & bit(signal) != 0 {
            thread.pending_signals &= !bit(signal);
        } else {
            st.pending &= !bit(signal);
        }
        update_attention(s);
        Some((signal, st.senders[signal as usize - 1]))
    });
    if let Some((signal, (code, sender))) = taken {
        if info_at != 0 {
            user::write(info_at, &SigInfo::new(signal, code, sender, USER_ID as u32))?;
        }
        return Ok(signal);
    }
    if timeout == Some(0) {
        return Err(EAGAIN);
    }
    let deadline = timeout.map(|ns| task::monotonic_now().saturating_add(ns));
    task::with_scheduler(|s| {
        let slot = s.current_slot();
        s.block_current(Block { futex: None, deadline, on_timeout: -EAGAIN, fd: None });
        let number = s.wait_number(slot);
        s.current().signal_wait = Some((set, info_at, number));
    });
    Ok(0)
}

/// The thread that should stop waiting for a process signal: none when the running thread can
/// take it on its way out; else the first waiting thread that does not block it.
fn waiting_taker(s: &mut Scheduler<SavedContext>, signal: u64) -> Option<usize> {
    let current = s.current_slot();
    let running = s.thread(current);
    if running.state == State::Runnable && running.signal_mask & bit(signal) == 0 {
        return None;
    }
    (0..s.slots_in_use())
        .find(|&slot| matches!(s.thread(slot).state, State::Blocked(_)) && s.thread(slot).signal_mask & bit(signal) == 0)
}

/// Ends the process as killed by `signal` (the host reports it so); does not return.
fn terminate(signal: u64) -> ! {
    crate::host::file_mappings::write_back_all();
    hypercall::call(forwarded::KILL, [spawn::pid(), signal, 0, 0, 0, 0]);
    // The host stops this VM during that call; should it not, the run still ends.
    crate::host::exit::exit(128 + signal)
}

fn valid(signal: u64) -> Result<u64, i64> {
    if signal > NSIG { Err(EINVAL) } else { Ok(signal) }
}

/// kill(2) of this process by itself (0: only checks the signal number).
pub fn kill_self(signal: u64) -> Result<u64, i64> {
    if valid(signal)? != 0 {
        task::with_scheduler(|s| post(s, None, signal, SI_USER, spawn::pid()));
    }
    Ok(0)
}

/// tkill(2), tgkill(2): to one thread of this process.
pub fn thread_kill(tid: u64, signal: u64) -> Result<u64, i64> {
    if tid as i32 <= 0 {
        return Err(EINVAL);
    }
    valid(signal)?;
    task::with_scheduler(|s| {
        let slot = s.find(tid).ok_or(ESRCH)?;
        if signal != 0 {
            post(s, Some(slot), signal, SI_TKILL, spawn::pid());
        }
        Ok(0)
    })
}

/// Whether SIGCHLD has a handler: only then is a child's end worth finding (proc/children.rs).
pub fn sigchld_handled() -> bool {
    !ignored(SIGCHLD, &action_of(SIGCHLD))
}

/// The child `pid` ended (proc/children.rs): SIGCHLD to the process, `si_code` CLD_EXITED.
pub fn child_ended(pid: u64) {
    const CLD_EXITED: i32 = 1;
    task::with_scheduler(|s| post(s, None, SIGCHLD, CLD_EXITED, pid));
}

/// A signal the kernel raises for the calling thread itself (SIGPIPE from a write): pending,
/// delivered on the thread's next way out through the full path.
pub fn raise_for_caller(signal: u64) {
    task::with_scheduler(|s| {
        let slot = s.current_slot();
        post(s, Some(slot), signal, SI_USER, spawn::pid());
    });
}

/// The signals pending for the calling thread (its own and the process's) that it blocks:
/// rt_sigpending(2).
pub fn pending_blocked() -> u64 {
    task::with_scheduler(|s| (s.current().pending_signals | signals().pending) & s.current().signal_mask)
}

/// rt_sigsuspend(2) after its arguments are read: waits with `set` as the mask until a signal is
/// delivered (at once if one can be).
pub fn suspend(set: u64) {
    let ready = task::with_scheduler(|s| {
        let thread = s.current();
        thread.suspend_mask = Some(thread.signal_mask);
        thread.signal_mask = set;
        (thread.pending_signals | signals().pending) & !set != 0
    });
    if !ready {
        task::sleep_until(None);
    }
}

// ---- The alternate signal stack (sigaltstack) ------------------------------------------------

/// A `stack_t`: base, flags, size.
#[repr(C)]
#[derive(Clone, Copy)]
struct SignalStack {
    base: u64,
    flags: u32,
    pad: u32,
    size: u64,
}

const MINSIGSTKSZ: u64 = 2048;

static ALT_STACK: KernelCell<SignalStack> = KernelCell::new(SignalStack { base: 0, flags: SS_DISABLE, pad: 0, size: 0 });

/// The alternate signal stack, when one is set (frames go there for SA_ONSTACK).
pub fn alt_stack() -> Option<AltStack> {
    // SAFETY: one vCPU, interrupts off; a copy is read.
    let stack = unsafe { *ALT_STACK.as_ptr() };
    if stack.flags & SS_DISABLE != 0 { None } else { Some(AltStack { base: stack.base, size: stack.size }) }
}

/// sigaltstack(2): sets the stack signal handlers with SA_ONSTACK run on (`new`, a `stack_t`,
/// or 0) and reports the old one (to `old`, or 0); `caller_rsp` tells whether the caller runs
/// on it.
pub fn sigaltstack(new: u64, old: u64, caller_rsp: u64) -> Result<u64, i64> {
    let requested = if new != 0 { Some(user::read::<SignalStack>(new)?) } else { None };
    if let Some(stack) = requested {
        const SS_AUTODISARM: u32 = 1 << 31;
        if stack.flags & !(SS_DISABLE | SS_AUTODISARM) != 0 {
            return Err(EINVAL);
        }
        if stack.flags & SS_DISABLE == 0 && stack.size < MINSIGSTKSZ {
            return Err(ENOMEM);
        }
    }
    // SAFETY: one vCPU, interrupts off; nothing else touches the cell.
    let current = unsafe { ALT_STACK.get() };
    let on_it = alt_stack().is_some_and(|alt| alt.contains(caller_rsp));
    if old != 0 {
        let flags = if on_it { current.flags | SS_ONSTACK } else { current.flags };
        user::write(old, &SignalStack { flags, ..*current })?;
    }
    if requested.is_some() && on_it {
        // A handler may not move the stack it runs on.
        return Err(EPERM);
    }
    if let Some(stack) = requested {
        *current = if stack.flags & SS_DISABLE != 0 { SignalStack { base: 0, flags: SS_DISABLE, pad: 0, size: 0 } } else { stack };
    }
    Ok(0)
}

// ---- SIGPIPE ----------------------------------------------------------------------------------

/// What a write's `result` becomes: a write to a pipe or socket pair without readers fails with
/// EPIPE and, on Linux, raises SIGPIPE, whose default action ends the process: when the program
/// left SIGPIPE at its default, the host is asked to end this process as killed by it (the VM
/// stops before the call returns). A program that catches SIGPIPE gets EPIPE and its handler
/// runs (write is a lean call, so at its next system call); one that ignores it (Python does)
/// just gets EPIPE.
pub fn sigpipe(result: i64) -> i64 {
    if result == -EPIPE {
        let action = with_process(|p| p.sigaction(SIGPIPE, None));
        if action.is_ok_and(|action| action.handler == SIG_DFL) {
            hypercall::call(forwarded::KILL, [spawn::pid(), SIGPIPE, 0, 0, 0, 0]);
        }
        raise_for_caller(SIGPIPE);
    }
    result
}

/// Returns to user mode with `frame`: delivers the lowest deliverable signal, if any (after
/// firing an expired alarm). A signal whose action is to terminate ends the process here.
pub fn deliver(frame: &mut TrapFrame) {
    let alarm = signals().alarm_at;
    if alarm != 0 {
        let now = task::monotonic_now();
        task::with_scheduler(|s| expire_alarm(s, now));
    }
    loop {
        let taken = task::with_scheduler(|s| {
            let st = signals();
            let thread = s.current();
            let signal = lowest((thread.pending_signals | st.pending) & !thread.signal_mask)?;
            if thread.pending_signals & bit(signal) != 0 {
                thread.pending_signals &= !bit(signal);
            } else {
                st.pending &= !bit(signal);
            }
            Some((signal, st.senders[signal as usize - 1]))
        });
        let Some((signal, (code, sender))) = taken else { break };
        let action = action_of(signal);
        if ignored(signal, &action) {
            continue;
        }
        if action.handler == SIG_DFL {
            terminate(signal);
        }
        // A call parked until its fd is ready ends with EINTR, or under SA_RESTART runs again
        // when the handler returns (its frame holds the call's number and address).
        task::end_parked_call(frame, action.flags & SA_RESTART != 0);
        if start_handler(frame, signal, &action, SigInfo::new(signal, code, sender, USER_ID as u32)).is_err() {
            // No room for the frame (or no restorer): Linux forces SIGSEGV then.
            terminate(SIGSEGV);
        }
        break;
    }
    task::with_scheduler(|s| {
        // A sigsuspend that no handler ran for gets its mask back now.
        let thread = s.current();
        if let Some(mask) = thread.suspend_mask.take() {
            thread.signal_mask = mask;
        }
        update_attention(s);
    });
}

/// A fault in user mode that the program catches (docs/guest-abi.md, "Signals"): when the
/// current thread has a handler for `signal` and does not block it, `frame` becomes a call of
/// the handler and true is returned; otherwise (default, ignored or blocked: Linux then kills
/// the process too) the caller ends the run as before.
pub fn deliver_fault(frame: &mut TrapFrame, signal: u64, address: u64) -> bool {
    let action = action_of(signal);
    let blocked = task::with_scheduler(|s| s.current().signal_mask & bit(signal) != 0);
    if action.handler == SIG_DFL || action.handler == SIG_IGN || blocked {
        return false;
    }
    let info = SigInfo::fault(signal, fault_code(signal, frame.vector, frame.error_code), address);
    let fault = (frame.error_code, frame.vector, address);
    match start_handler_with(frame, signal, &action, info, fault) {
        Ok(()) => true,
        Err(_) => terminate(SIGSEGV),
    }
}

/// Builds the signal frame for `signal` and points `frame` at the handler.
fn start_handler(frame: &mut TrapFrame, signal: u64, action: &SigAction, info: SigInfo) -> Result<(), i64> {
    start_handler_with(frame, signal, action, info, (0, 0, 0))
}

/// `start_handler` with the fault's error code, vector and address for the sigcontext.
fn start_handler_with(
    frame: &mut TrapFrame,
    signal: u64,
    action: &SigAction,
    info: SigInfo,
    fault: (u64, u64, u64),
) -> Result<(), i64> {
    if action.flags & SA_RESTORER == 0 {
        return Err(EFAULT);
    }
    let alt = alt_stack();
    let (at, fpu_at, on_alt) = place_frame(frame.rsp, action.flags & SA_ONSTACK != 0, alt).ok_or(EFAULT)?;
    let mut image = FxArea([0; 512]);
    cpu::fxsave(&mut image);
    // Bytes 464.. are software-defined: zero says "a plain FXSAVE image, no XSAVE state".
    image.0[464..].fill(0);
    user::copy_out(fpu_at, image.0.as_ptr(), FPU_IMAGE as usize)?;
    let (mask, saved_mask) = task::with_scheduler(|s| {
        let thread = s.current();
        (thread.signal_mask, thread.suspend_mask.take().unwrap_or(thread.signal_mask))
    });
    let (stack_base, stack_size, stack_flags) = match alt {
        Some(alt) => (alt.base, alt.size, if on_alt { SS_ONSTACK } else { 0 }),
        None => (0, 0, SS_DISABLE),
    };
    let sigframe = RtSigFrame {
        restorer: action.restorer,
        uc: UContext {
            flags: UC_SIGCONTEXT_SS,
            link: 0,
            stack_base,
            stack_flags,
            stack_pad: 0,
            stack_size,
            mcontext: context_of(frame, fpu_at, saved_mask, fault),
            sigmask: saved_mask,
        },
        info,
    };
    user::write(at, &sigframe)?;
    frame.rip = action.handler;
    frame.rsp = at;
    frame.rdi = signal;
    frame.rsi = at + core::mem::offset_of!(RtSigFrame, info) as u64;
    frame.rdx = at + core::mem::offset_of!(RtSigFrame, uc) as u64;
    frame.rax = 0;
    frame.rflags &= !HANDLER_CLEARS;
    let deferred = if action.flags & SA_NODEFER != 0 { 0 } else { bit(signal) };
    task::with_scheduler(|s| s.current().signal_mask = (mask | action.mask | deferred) & !UNBLOCKABLE);
    if action.flags & SA_RESETHAND != 0 {
        let reset = SigAction { handler: SIG_DFL, flags: action.flags & !SA_SIGINFO, restorer: action.restorer, mask: action.mask };
        let _ = with_process(|p| p.sigaction(signal, Some(reset)));
    }
    // The handler starts with a clean FPU, as on Linux.
    cpu::fxrstor(crate::arch::entry::initial_fpu());
    Ok(())
}

/// uc_flags: the frame's `ss` field holds the stack segment.
const UC_SIGCONTEXT_SS: u64 = 2;

fn context_of(f: &TrapFrame, fpstate: u64, oldmask: u64, (err, trapno, cr2): (u64, u64, u64)) -> SigContext {
    SigContext {
        r8: f.r8,
        r9: f.r9,
        r10: f.r10,
        r11: f.r11,
        r12: f.r12,
        r13: f.r13,
        r14: f.r14,
        r15: f.r15,
        rdi: f.rdi,
        rsi: f.rsi,
        rbp: f.rbp,
        rbx: f.rbx,
        rdx: f.rdx,
        rax: f.rax,
        rcx: f.rcx,
        rsp: f.rsp,
        rip: f.rip,
        eflags: f.rflags,
        cs: f.cs as u16,
        gs: 0,
        fs: 0,
        ss: f.ss as u16,
        err,
        trapno,
        oldmask,
        cr2,
        fpstate,
        reserved: [0; 8],
    }
}

/// rt_sigreturn(2), with the full frame: takes the registers, FPU state and mask back from the
/// `ucontext` at RSP (where the handler's return to sa_restorer left it). Everything read is
/// the program's to choose except what would give it more than user mode has: the code and
/// stack selectors stay the user ones, only the user-changeable RFLAGS bits come back, RIP and
/// RSP must lie in user space and the FPU image must be loadable. A frame that fails any of
/// that ends the process with SIGSEGV, as Linux does.
pub fn sigreturn(frame: &mut TrapFrame) {
    if restore(frame).is_err() {
        terminate(SIGSEGV);
    }
}

fn restore(frame: &mut TrapFrame) -> Result<(), i64> {
    let uc: UContext = user::read(frame.rsp)?;
    let m = uc.mcontext;
    if !resumable(m.rip, m.rsp) {
        return Err(EFAULT);
    }
    let mut image = FxArea([0; 512]);
    if m.fpstate != 0 {
        user::copy_in(image.0.as_mut_ptr(), m.fpstate, FPU_IMAGE as usize)?;
        let mxcsr = u32::from_le_bytes([image.0[24], image.0[25], image.0[26], image.0[27]]);
        if !mxcsr_loadable(mxcsr, supported_mxcsr()) {
            return Err(EINVAL);
        }
        cpu::fxrstor(&image);
    } else {
        cpu::fxrstor(crate::arch::entry::initial_fpu());
    }
    frame.r8 = m.r8;
    frame.r9 = m.r9;
    frame.r10 = m.r10;
    frame.r11 = m.r11;
    frame.r12 = m.r12;
    frame.r13 = m.r13;
    frame.r14 = m.r14;
    frame.r15 = m.r15;
    frame.rdi = m.rdi;
    frame.rsi = m.rsi;
    frame.rbp = m.rbp;
    frame.rbx = m.rbx;
    frame.rdx = m.rdx;
    frame.rax = m.rax;
    frame.rcx = m.rcx;
    frame.rsp = m.rsp;
    frame.rip = m.rip;
    frame.rflags = restored_flags(frame.rflags, m.eflags);
    task::with_scheduler(|s| s.current().signal_mask = uc.sigmask & !UNBLOCKABLE);
    Ok(())
}

/// The MXCSR bits this CPU accepts (FXSAVE's MXCSR_MASK; 0 there means the classic 0xffbf).
fn supported_mxcsr() -> u32 {
    let mut image = FxArea([0; 512]);
    cpu::fxsave(&mut image);
    let mask = u32::from_le_bytes([image.0[28], image.0[29], image.0[30], image.0[31]]);
    if mask == 0 { 0xffbf } else { mask }
}

// ---- The alarm (alarm, setitimer and getitimer with ITIMER_REAL) -----------------------------

/// The armed alarm's expiry on the monotonic clock (0: none), for the scheduler's sleeps.
pub fn alarm_deadline() -> u64 {
    signals().alarm_at
}

/// Fires the alarm if it is due at `now`: SIGALRM to the process, rearmed by its interval.
pub fn expire_alarm(s: &mut Scheduler<SavedContext>, now: u64) {
    let st = signals();
    if st.alarm_at == 0 || now < st.alarm_at {
        return;
    }
    st.alarm_at = if st.alarm_interval == 0 { 0 } else { now.saturating_add(st.alarm_interval) };
    post(s, None, SIGALRM, SI_KERNEL, 0);
    update_attention(s);
}

/// Fires the alarm if it is due; true when the calling thread then has a signal pending that
/// it takes. For a wait the host does on the thread's behalf (poll with one thread), which the
/// alarm cannot interrupt: the call ends with EINTR and the signal is delivered on the way out.
pub fn alarm_interrupts_caller() -> bool {
    let now = task::monotonic_now();
    task::with_scheduler(|s| {
        expire_alarm(s, now);
        let thread = s.current();
        (thread.pending_signals | signals().pending) & !thread.signal_mask != 0
    })
}

/// Arms (or with 0 disarms) the alarm; returns the time that was left and the old interval.
pub fn set_alarm(value_ns: u64, interval_ns: u64) -> (u64, u64) {
    let now = task::monotonic_now();
    let st = signals();
    let left = if st.alarm_at == 0 { 0 } else { st.alarm_at.saturating_sub(now).max(1) };
    let old_interval = st.alarm_interval;
    st.alarm_at = if value_ns == 0 { 0 } else { now.saturating_add(value_ns) };
    st.alarm_interval = if value_ns == 0 { 0 } else { interval_ns };
    task::with_scheduler(|s| {
        update_attention(s);
        // A program that spins without system calls still gets its alarm.
        task::ask_preemption(s);
    });
    (left, old_interval)
}

/// The time left before the alarm (at least 1 ns while armed, 0 when not) and its interval.
pub fn alarm_left() -> (u64, u64) {
    let st = signals();
    let left = if st.alarm_at == 0 { 0 } else { st.alarm_at.saturating_sub(task::monotonic_now()).max(1) };
    (left, st.alarm_interval)
}

/// In a fork's child: nothing pending and no alarm, as on Linux (the masks and actions stay).
pub fn after_fork() {
    let st = signals();
    st.pending = 0;
    st.alarm_at = 0;
    st.alarm_interval = 0;
    task::with_scheduler(|s| {
        s.current().pending_signals = 0;
        update_attention(s);
    });
}
