//! System calls about tasks, served in the guest: threads (clone, clone3, exit, gettid,
//! set_tid_address, robust lists) and the switch between them, futex, resource usage
//! (sysinfo, getrusage, times), CPU affinity, the identity calls beyond getuid, and
//! sigaltstack bookkeeping. The scheduling decisions are in sched.rs; this file does the
//! machine side: user registers, FPU state and the FS base of each thread.

use crate::arch::cell::KernelCell;
use crate::arch::cpu;
use crate::abi::errno::{EAGAIN, EFAULT, EINVAL, ENOMEM, ENOSYS, EPERM, ESRCH, ETIMEDOUT};
use crate::proc::exec::CLOCK_TICKS;
use crate::proc::process::{GROUP_ID, USER_ID};
use crate::host::clock;
use crate::mm::global::with_memory;
use crate::arch::trap_frame::{FxArea, TrapFrame};
use crate::proc::sched::{self, Block, Context, Next, Scheduler, MATCH_ANY};
use crate::abi::linux::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_DETACHED, CLONE_FILES, CLONE_FS, CLONE_PARENT_SETTID, CLONE_SETTLS,
    CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD, CLONE_VM, CSIGNAL,
};
use crate::abi::linux::{
    Timespec, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME_ID, NANOS_PER_SECOND,
};
use crate::mm::user;

type Args = [u64; 6];

fn result(r: Result<u64, i64>) -> i64 {
    match r {
        Ok(value) => value as i64,
        Err(errno) => -errno,
    }
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// How long one host sleep lasts when every thread waits without a timeout (a deadlock, or a
/// wait for something that cannot happen): the run's time limit ends it.
const FOREVER_SLICE_NS: u64 = 3600 * NANOS_PER_SECOND;

/// Waits shorter than this are spun out in the scheduler instead of slept on the host: a
/// forwarded call alone costs some 270 us under PVM (docs/benchmarks.md).
const SPIN_BELOW_NS: u64 = 250_000;

fn now(clock: u64) -> u64 {
    clock::read(clock).unwrap_or(0)
}

/// futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE and their BITSET forms, with wait queues in
/// the scheduler (sched.rs). A wait blocks the calling thread; another thread runs meanwhile.
/// Private and shared futexes are the same: there is one address space.
pub fn sys_futex(a: &Args) -> i64 {
    let (uaddr, op, val, val3) = (a[0], a[1], a[2] as u32, a[5] as u32);
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    let run = || -> Result<u64, i64> {
        sched::check_futex_address(uaddr)?;
        match command {
            FUTEX_WAIT | FUTEX_WAIT_BITSET => {
                let bitset = if command == FUTEX_WAIT { MATCH_ANY } else { val3 };
                if bitset == 0 {
                    return Err(EINVAL);
                }
                let deadline = futex_deadline(command, op, a[3])?;
                if user::read::<u32>(uaddr)? != val {
                    return Err(EAGAIN);
                }
                block(Block { futex: Some((uaddr, bitset)), deadline, on_timeout: -ETIMEDOUT });
                Ok(0)
            }
            FUTEX_WAKE | FUTEX_WAKE_BITSET => {
                let bitset = if command == FUTEX_WAKE { MATCH_ANY } else { val3 };
                if bitset == 0 {
                    return Err(EINVAL);
                }
                Ok(with_scheduler(|s| s.wake(uaddr, bitset, val as u64)))
            }
            FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
                // The timeout argument is the most waiters to move; uaddr2 is the new word.
                let (moved, target) = (a[3] as u32 as u64, a[4]);
                sched::check_futex_address(target)?;
                if command == FUTEX_CMP_REQUEUE && user::read::<u32>(uaddr)? != val3 {
                    return Err(EAGAIN);
                }
                Ok(with_scheduler(|s| s.wake_and_requeue(uaddr, val as u64, target, moved)))
            }
            _ => Err(ENOSYS),
        }
    };
    result(run())
}

/// Whether a futex call only wakes or moves waiters (it never blocks the caller): those stay
/// on the lean system call path, the common case in lock and condition variable hand-offs.
pub fn futex_never_blocks(a: &Args) -> bool {
    let command = a[1] & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    matches!(command, FUTEX_WAKE | FUTEX_WAKE_BITSET | FUTEX_REQUEUE | FUTEX_CMP_REQUEUE)
}

/// The monotonic deadline of a futex wait: none without a timeout; FUTEX_WAIT's timeout is
/// relative, FUTEX_WAIT_BITSET's absolute on CLOCK_MONOTONIC or (flag) CLOCK_REALTIME.
fn futex_deadline(command: u64, op: u64, timeout: u64) -> Result<Option<u64>, i64> {
    if timeout == 0 {
        return Ok(None);
    }
    let limit = user::read::<Timespec>(timeout)?.to_ns()?;
    let monotonic = now(CLOCK_MONOTONIC);
    if command == FUTEX_WAIT {
        return Ok(Some(monotonic.saturating_add(limit)));
    }
    if op & FUTEX_CLOCK_REALTIME != 0 {
        let realtime = now(CLOCK_REALTIME);
        return Ok(Some(monotonic.saturating_add(limit.saturating_sub(realtime))));
    }
    Ok(Some(limit))
}

/// Blocks the calling thread until `deadline` on the monotonic clock (nanosleep,
/// clock_nanosleep, poll and select with nothing ready): other threads run meanwhile, and
/// when none can, the vCPU sleeps on the host. Returns the call's result (0).
pub fn sleep_until(deadline: Option<u64>) -> i64 {
    block(Block { futex: None, deadline, on_timeout: 0 });
    0
}

/// Blocks the calling thread for `ns` nanoseconds (see `sleep_until`). A sleep that is already
/// over still lets the other runnable threads run first: without preemption, a thread that
/// polls with short sleeps (whose deadline passes while the call is on its way, under PVM)
/// would otherwise never let anyone else run.
pub fn sleep_for(ns: u64) -> i64 {
    sleep_until(Some(now(CLOCK_MONOTONIC).saturating_add(ns)))
}

/// The monotonic clock now, in ns.
pub fn monotonic_now() -> u64 {
    now(CLOCK_MONOTONIC)
}

/// sysinfo(2): guest RAM and what the frame allocator has left; one process, no swap.
pub fn sys_sysinfo(a: &Args) -> i64 {
    let total = crate::host::boot_info::get().memory_size;
    let free = with_memory(|mem, _| mem.frames.available()) * crate::abi::host::PAGE_SIZE;
    let mut info = [0u64; 14];
    info[0] = now(CLOCK_MONOTONIC) / NANOS_PER_SECOND;
    info[4] = total;
    info[5] = free;
    info[10] = 1; // procs (u16 at byte 80)
    info[13] = 1; // mem_unit (u32 at byte 104)
    result(user::write(a[0], &info).map(|_| 0))
}

/// Nanoseconds since boot: the time base of CPU time accounting.
fn since_boot() -> u64 {
    clock::since_boot_ns()
}

/// CPU time of the program: the guest has one vCPU running only this program, so it is the
/// time since boot less the time no thread could run (the kernel's share is not told apart).
fn process_cpu_ns() -> u64 {
    with_scheduler(|s| s.process_cpu_ns(since_boot()))
}

fn thread_cpu_ns() -> u64 {
    with_scheduler(|s| s.thread_cpu_ns(s.current_slot(), since_boot()))
}

/// Whether `clock` is a CPU-time clock: the process's and thread's, or one made by
/// clock_getcpuclockid / pthread_getcpuclockid (negative: ~id << 3 | per-thread << 2 | kind).
/// A clockid_t is a C int: only the low 32 bits of the register count, as on Linux.
pub fn is_cpu_clock(clock: u64) -> bool {
    let clock = clock as u32 as i32;
    clock == CLOCK_PROCESS_CPUTIME_ID as i32 || clock == CLOCK_THREAD_CPUTIME_ID as i32 || clock < 0
}

/// The time of a CPU-time clock (`is_cpu_clock`), in ns.
pub fn cpu_clock_ns(clock: u64) -> Result<u64, i64> {
    const CPUCLOCK_KIND_MASK: u64 = 3;
    const CPUCLOCK_PER_THREAD: u64 = 4;
    let clock = clock as u32 as u64;
    match clock {
        CLOCK_PROCESS_CPUTIME_ID => Ok(process_cpu_ns()),
        CLOCK_THREAD_CPUTIME_ID => Ok(thread_cpu_ns()),
        _ if clock & CPUCLOCK_KIND_MASK == CPUCLOCK_KIND_MASK => Err(EINVAL),
        _ => {
            let id = !((clock as u32 as i32) >> 3) as u32 as u64;
            if clock & CPUCLOCK_PER_THREAD == 0 {
                return if id == 0 || id == crate::proc::spawn::pid() { Ok(process_cpu_ns()) } else { Err(EINVAL) };
            }
            with_scheduler(|s| {
                let slot = if id == 0 { Some(s.current_slot()) } else { s.find(id) };
                slot.map(|slot| s.thread_cpu_ns(slot, since_boot())).ok_or(EINVAL)
            })
        }
    }
}

/// getrusage(2): user time, maximum resident size (frames in use), nothing for children.
pub fn sys_getrusage(a: &Args) -> i64 {
    const RUSAGE_CHILDREN: u64 = (-1i64) as u64;
    const RUSAGE_SELF: u64 = 0;
    const RUSAGE_THREAD: u64 = 1;
    let mut usage = [0u64; 18];
    match a[0] {
        RUSAGE_SELF | RUSAGE_THREAD => {
            let ns = if a[0] == RUSAGE_SELF { process_cpu_ns() } else { thread_cpu_ns() };
            usage[0] = ns / NANOS_PER_SECOND;
            usage[1] = (ns % NANOS_PER_SECOND) / 1000;
            let used_pages = with_memory(|mem, _| mem.frames.used());
            usage[4] = used_pages * (crate::abi::host::PAGE_SIZE / 1024);
        }
        RUSAGE_CHILDREN => {}
        _ => return -EINVAL,
    }
    result(user::write(a[1], &usage).map(|_| 0))
}

/// times(2): the program's CPU time as user time; returns clock ticks since boot.
pub fn sys_times(a: &Args) -> i64 {
    let tick_ns = NANOS_PER_SECOND / CLOCK_TICKS;
    let ticks = now(CLOCK_MONOTONIC) / tick_ns;
    if a[0] != 0 && user::write(a[0], &[process_cpu_ns() / tick_ns, 0u64, 0, 0]).is_err() {
        return -EFAULT;
    }
    ticks as i64
}

/// The run's first process (pid 1) leads the one process group and session of the run.
const GROUP_LEADER: u64 = crate::proc::process::PID;

fn check_pid(pid: u64) -> Result<(), i64> {
    if pid == 0 || pid == crate::proc::spawn::pid() {
        Ok(())
    } else {
        Err(ESRCH)
    }
}

/// sched_getaffinity(2): one CPU. Returns the bytes written, as the kernel does.
pub fn sys_sched_getaffinity(a: &Args) -> i64 {
    let (pid, len, mask) = (a[0], a[1], a[2]);
    let run = || -> Result<u64, i64> {
        check_pid(pid)?;
        if len < 8 || len % 8 != 0 {
            return Err(EINVAL);
        }
        user::write(mask, &1u64)?;
        Ok(8)
    };
    result(run())
}

/// sched_setaffinity(2): any mask that includes CPU 0 is accepted.
pub fn sys_sched_setaffinity(a: &Args) -> i64 {
    let (pid, len, mask) = (a[0], a[1], a[2]);
    let run = || -> Result<u64, i64> {
        check_pid(pid)?;
        if len < 8 {
            return Err(EINVAL);
        }
        if user::read::<u64>(mask)? & 1 == 0 {
            return Err(EINVAL);
        }
        Ok(0)
    };
    result(run())
}

pub fn sys_getresuid(a: &Args) -> i64 {
    let ids = [a[0], a[1], a[2]];
    result(ids.iter().try_for_each(|&at| user::write(at, &(USER_ID as u32))).map(|_| 0))
}

pub fn sys_getresgid(a: &Args) -> i64 {
    let ids = [a[0], a[1], a[2]];
    result(ids.iter().try_for_each(|&at| user::write(at, &(GROUP_ID as u32))).map(|_| 0))
}

/// getgroups(2): no supplementary groups.
pub fn sys_getgroups(_: &Args) -> i64 {
    0
}

/// getpgid(2), getsid(2) of this process: the run's group and session.
pub fn sys_getpgid(a: &Args) -> i64 {
    result(check_pid(a[0]).map(|_| GROUP_LEADER))
}

pub fn sys_getpgrp(_: &Args) -> i64 {
    GROUP_LEADER as i64
}

/// setuid(2) and friends: only to the identity the program already has.
pub fn sys_set_own_id(a: &Args) -> i64 {
    if a[0] == USER_ID || a[0] == GROUP_ID || a[0] == u32::MAX as u64 {
        0
    } else {
        -EPERM
    }
}

/// A `stack_t`: base, flags, size.
#[repr(C)]
#[derive(Clone, Copy)]
struct SignalStack {
    base: u64,
    flags: u32,
    pad: u32,
    size: u64,
}

const SS_DISABLE: u32 = 2;
const MINSIGSTKSZ: u64 = 2048;

static ALT_STACK: KernelCell<SignalStack> = KernelCell::new(SignalStack { base: 0, flags: SS_DISABLE, pad: 0, size: 0 });

/// The alternate signal stack, when one is set (signal.rs puts frames there for SA_ONSTACK).
pub fn alt_stack() -> Option<crate::proc::sigframe::AltStack> {
    // SAFETY: one vCPU, interrupts off; a copy is read.
    let stack = unsafe { *ALT_STACK.as_ptr() };
    if stack.flags & SS_DISABLE != 0 { None } else { Some(crate::proc::sigframe::AltStack { base: stack.base, size: stack.size }) }
}

/// sigaltstack(2): the stack signal handlers with SA_ONSTACK run on (signal.rs).
pub fn sys_sigaltstack(a: &Args) -> i64 {
    let (new, old) = (a[0], a[1]);
    let run = || -> Result<u64, i64> {
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
        let on_it = alt_stack().is_some_and(|alt| alt.contains(crate::syscall::caller_rsp()));
        if old != 0 {
            let flags = if on_it { current.flags | crate::proc::sigframe::SS_ONSTACK } else { current.flags };
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
    };
    result(run())
}

// ---- Threads -------------------------------------------------------------------------------

/// A thread's saved user state: every general register as the entry code saved it, and the
/// FPU/SSE state (FXSAVE image). Saving the FPU state on each switch keeps what the ABI
/// lets a thread expect across a call: the MXCSR and x87 control words, and any vector
/// register the compiler kept live around an inline `syscall` (nothing tells it the
/// instruction clobbers them). The emulator that runs the kernel under PVM executes
/// FXSAVE64/FXRSTOR64 (docs/architecture.md).
pub struct SavedContext {
    frame: TrapFrame,
    fpu: FxArea,
}

impl Context for SavedContext {
    const EMPTY: Self = SavedContext { frame: TrapFrame::ZERO, fpu: FxArea([0; 512]) };

    fn set_result(&mut self, value: i64) {
        self.frame.rax = value as u64;
    }
}

static SCHEDULER: KernelCell<Scheduler<SavedContext>> = KernelCell::new(Scheduler::new());

/// A thread created by clone during the current call, completed from the caller's registers
/// when the call returns (`after_call`): its slot and its stack pointer (0: the caller's).
static NEW_THREAD: KernelCell<Option<(usize, u64)>> = KernelCell::new(None);

/// Runs `f` with the scheduler.
pub fn with_scheduler<R>(f: impl FnOnce(&mut Scheduler<SavedContext>) -> R) -> R {
    // SAFETY: one vCPU, interrupts off; the page-fault path never touches the scheduler, and
    // callers do not nest (user memory is accessed outside `f`).
    f(unsafe { SCHEDULER.get() })
}

fn block(block: Block) {
    with_scheduler(|s| s.block_current(block));
}

/// The current thread's id (gettid).
pub fn current_tid() -> u64 {
    with_scheduler(|s| s.current().tid)
}

/// Called by the system call dispatcher after a call that may create or switch threads (the
/// entries marked so in syscall.rs), with the caller's full register frame: completes a
/// thread clone made, then switches threads if the caller blocked, yielded or exited.
pub fn after_call(frame: &mut TrapFrame) {
    // SAFETY: see `with_scheduler`; the cell is only used here and in `clone_thread`.
    if let Some((slot, stack)) = unsafe { NEW_THREAD.get() }.take() {
        with_scheduler(|s| {
            let context = &mut s.thread(slot).context;
            context.frame = *frame;
            context.frame.rax = 0;
            if stack != 0 {
                context.frame.rsp = stack;
            }
            // The new thread starts with the FPU state of its creator, as on Linux.
            cpu::fxsave(&mut context.fpu);
        });
    }
    // The child of a process clone given a stack goes on there (posix_spawn's clone).
    if let Some(stack) = crate::proc::spawn::take_child_stack() {
        frame.rsp = stack;
    }
    if let Some(save) = with_scheduler(|s| s.take_switch()) {
        switch(frame, save);
    }
}

/// Replaces the registers in `frame` (the current thread's, saved into its slot if `save`)
/// with those of the next thread to run, sleeping on the host while no thread can run.
fn switch(frame: &mut TrapFrame, save: bool) {
    // SAFETY: see `with_scheduler`; this is the only borrow while it lives, and nothing below
    // touches user memory or re-enters the scheduler.
    let s = unsafe { SCHEDULER.get() };
    let from = s.current_slot();
    s.stop_running(since_boot());
    if save {
        // The call's result so far; a wake or timeout during `pick_next` overwrites it.
        s.thread(from).context.frame.rax = frame.rax;
    }
    let next = loop {
        // The clock is read only when a deadline or the alarm (signal.rs) is pending.
        let alarm = crate::proc::signal::alarm_deadline();
        let now = if s.has_timers() || alarm != 0 { now(CLOCK_MONOTONIC) } else { 0 };
        // A due alarm posts SIGALRM, which ends the wait of a thread that can take it.
        crate::proc::signal::expire_alarm(s, now);
        let alarm = crate::proc::signal::alarm_deadline();
        let next = match s.pick_next(now) {
            Next::Run(slot) => break slot,
            Next::SleepUntil(deadline) if alarm != 0 => deadline.min(alarm),
            Next::SleepUntil(deadline) => deadline,
            Next::Deadlock if alarm != 0 => alarm,
            Next::Deadlock => {
                _ = crate::host::calls::sleep(FOREVER_SLICE_NS);
                continue;
            }
        };
        // A deadline closer than a host call takes is waited for by reading the clock again.
        // EINTR from the host only means "look again".
        if next.saturating_sub(now) >= SPIN_BELOW_NS {
            _ = crate::host::calls::sleep(next - now);
        }
    };
    s.start_running(since_boot());
    if save && next == from {
        frame.rax = s.thread(from).context.frame.rax;
        return;
    }
    if save {
        let context = &mut s.thread(from).context;
        let result = context.frame.rax;
        context.frame = *frame;
        context.frame.rax = result;
        cpu::fxsave(&mut context.fpu);
    }
    let thread = s.thread(next);
    cpu::fxrstor(&thread.context.fpu);
    // SAFETY: user-space bases (checked when set); the kernel uses neither segment.
    unsafe {
        cpu::wrmsr(cpu::IA32_FS_BASE, thread.fs_base);
        cpu::wrmsr(cpu::IA32_GS_BASE, thread.gs_base);
    }
    *frame = thread.context.frame;
}

/// What a thread shares with its creator: everything (one address space, one fd table on
/// the host, one set of signal actions).
const THREAD_SHARES: u64 = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
/// Further flags a thread clone may carry (what glibc's pthread_create passes, and SETTID).
const THREAD_OPTIONS: u64 =
    CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED;

/// What clone and clone3 ask for, whichever form they came in.
struct CloneRequest {
    flags: u64,
    /// The new thread's stack pointer (0: the caller's).
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
}

/// clone(2): (flags, stack, parent_tid, child_tid, tls) on x86-64.
pub fn sys_clone(a: &Args) -> i64 {
    let request = CloneRequest { flags: a[0] & !CSIGNAL, stack: a[1], parent_tid: a[2], child_tid: a[3], tls: a[4] };
    result(clone(request))
}

/// clone3(2): the same from a `struct clone_args`; a stack is given as base and size.
pub fn sys_clone3(a: &Args) -> i64 {
    /// The first version of `struct clone_args`: flags, pidfd, child_tid, parent_tid,
    /// exit_signal, stack, stack_size, tls.
    const CLONE_ARGS_SIZE_VER0: u64 = 64;
    let run = || -> Result<u64, i64> {
        if a[1] < CLONE_ARGS_SIZE_VER0 || a[1] > 4096 {
            return Err(EINVAL);
        }
        let fields = user::read::<[u64; 8]>(a[0])?;
        // Later fields (set_tid, cgroup) must be zero: none is supported.
        let mut rest = [0u64; 3];
        let extra = ((a[1] - CLONE_ARGS_SIZE_VER0) as usize).min(24);
        user::copy_in(rest.as_mut_ptr() as *mut u8, a[0] + CLONE_ARGS_SIZE_VER0, extra)?;
        if rest.iter().any(|&field| field != 0) {
            return Err(EINVAL);
        }
        let [flags, _pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls] = fields;
        if exit_signal != 0 && flags & CLONE_THREAD != 0 || exit_signal > CSIGNAL {
            return Err(EINVAL);
        }
        let stack = if stack == 0 { 0 } else { stack.checked_add(stack_size).ok_or(EINVAL)? };
        clone(CloneRequest { flags, stack, parent_tid, child_tid, tls })
    };
    result(run())
}

fn clone(request: CloneRequest) -> Result<u64, i64> {
    if request.flags & CLONE_VM == 0 || request.flags & CLONE_THREAD == 0 {
        // A new process (fork, vfork, posix_spawn's CLONE_VM|CLONE_VFORK): see `clone_process`.
        return clone_process(request);
    }
    clone_thread(request)
}

/// A clone that makes a process rather than a thread: the host copies the whole VM
/// (spawn.rs); the child's stack, if one was given, is applied by `after_call`.
fn clone_process(request: CloneRequest) -> Result<u64, i64> {
    let CloneRequest { flags, stack, parent_tid, child_tid, tls } = request;
    crate::proc::spawn::clone_process(&crate::proc::spawn::ProcessClone { flags, stack, parent_tid, child_tid, tls })
}

fn clone_thread(request: CloneRequest) -> Result<u64, i64> {
    let flags = request.flags;
    if flags & THREAD_SHARES != THREAD_SHARES || flags & !(THREAD_SHARES | THREAD_OPTIONS) != 0 {
        return Err(EINVAL);
    }
    if flags & CLONE_SETTLS != 0 && request.tls >= crate::abi::host::USER_TOP {
        return Err(EPERM);
    }
    let parent = with_scheduler(|s| {
        let t = s.current();
        (t.fs_base, t.gs_base, t.signal_mask)
    });
    let slot = with_scheduler(|s| s.spawn(SavedContext::EMPTY))?;
    let tid = with_scheduler(|s| {
        let thread = s.thread(slot);
        thread.fs_base = if flags & CLONE_SETTLS != 0 { request.tls } else { parent.0 };
        thread.gs_base = parent.1;
        // A new thread starts with its creator's signal mask, as on Linux.
        thread.signal_mask = parent.2;
        thread.clear_child_tid = if flags & CLONE_CHILD_CLEARTID != 0 { request.child_tid } else { 0 };
        thread.tid
    });
    let written = (|| -> Result<(), i64> {
        if flags & CLONE_PARENT_SETTID != 0 {
            user::write(request.parent_tid, &(tid as u32))?;
        }
        if flags & CLONE_CHILD_SETTID != 0 {
            user::write(request.child_tid, &(tid as u32))?;
        }
        Ok(())
    })();
    if let Err(errno) = written {
        // Undo: the thread never ran. Its slot is freed as by an exit of a never-current thread.
        with_scheduler(|s| s.discard(slot));
        return Err(errno);
    }
    // SAFETY: see `after_call`.
    *unsafe { NEW_THREAD.get() } = Some((slot, request.stack));
    Ok(tid)
}

/// exit(2): ends the calling thread; the last thread's exit ends the program. On the way out
/// the thread's robust futexes are released and its clear_child_tid word is zeroed and woken
/// (what pthread_join waits for).
pub fn sys_exit(a: &Args) -> i64 {
    if with_scheduler(|s| s.live()) == 1 {
        crate::host::exit::exit(a[0] & 0xff);
    }
    let (tid, clear_child_tid, robust_list) = with_scheduler(|s| {
        let t = s.current();
        (t.tid, t.clear_child_tid, t.robust_list)
    });
    release_robust_futexes(tid, robust_list);
    if clear_child_tid != 0 && user::write(clear_child_tid, &0u32).is_ok() {
        with_scheduler(|s| s.wake(clear_child_tid, MATCH_ANY, 1));
    }
    with_scheduler(|s| s.exit_current());
    0
}

/// exit_group(2): ends the program, all threads.
pub fn sys_exit_group(a: &Args) -> i64 {
    crate::host::exit::exit(a[0] & 0xff)
}

/// Marks the robust futexes a dying thread still holds as abandoned (FUTEX_OWNER_DIED) and
/// wakes one waiter of each, as Linux does; the list is walked at most `LIMIT` entries deep
/// and given up at the first unreadable entry.
fn release_robust_futexes(tid: u64, head: u64) {
    const LIMIT: usize = 2048;
    const FUTEX_WAITERS: u32 = 0x8000_0000;
    const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
    const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
    if head == 0 {
        return;
    }
    // struct robust_list_head: next, futex_offset, list_op_pending. Bit 0 of an entry
    // pointer marks a PI futex; the entry itself is the pointer without it.
    let Ok([first, offset, pending]) = user::read::<[u64; 3]>(head) else { return };
    let (first, pending) = (first & !1, pending & !1);
    let release = |entry: u64| {
        let word = entry.wrapping_add(offset);
        let Ok(value) = user::read::<u32>(word) else { return };
        if value & FUTEX_TID_MASK as u32 != tid as u32 {
            return;
        }
        if user::write(word, &((value & FUTEX_WAITERS) | FUTEX_OWNER_DIED)).is_ok() && value & FUTEX_WAITERS != 0 {
            with_scheduler(|s| s.wake(word, MATCH_ANY, 1));
        }
    };
    let mut entry = first;
    for _ in 0..LIMIT {
        if entry == head || entry == 0 {
            break;
        }
        let Ok(next) = user::read::<u64>(entry).map(|next| next & !1) else { break };
        if entry != pending {
            release(entry);
        }
        entry = next;
    }
    if pending != 0 {
        release(pending);
    }
}

/// gettid(2).
pub fn sys_gettid(_: &Args) -> i64 {
    current_tid() as i64
}

/// set_tid_address(2): the word to zero and wake when the calling thread exits.
pub fn sys_set_tid_address(a: &Args) -> i64 {
    with_scheduler(|s| {
        let thread = s.current();
        thread.clear_child_tid = a[0];
        thread.tid as i64
    })
}

/// set_robust_list(2): remembered per thread, walked when it exits.
pub fn sys_set_robust_list(a: &Args) -> i64 {
    // The kernel's robust_list_head is three pointers.
    if a[1] != 24 {
        return -EINVAL;
    }
    with_scheduler(|s| s.current().robust_list = a[0]);
    0
}

/// get_robust_list(2) for the calling thread or another thread of the program.
pub fn sys_get_robust_list(a: &Args) -> i64 {
    let (tid, head_at, len_at) = (a[0], a[1], a[2]);
    let head = with_scheduler(|s| if tid == 0 { Some(s.current().robust_list) } else { s.find(tid).map(|slot| s.thread(slot).robust_list) });
    let Some(head) = head else { return -ESRCH };
    result(user::write(head_at, &head).and_then(|_| user::write(len_at, &24u64)).map(|_| 0))
}

/// sched_yield(2): the other runnable threads run first.
pub fn sys_sched_yield(_: &Args) -> i64 {
    with_scheduler(|s| s.yield_current());
    0
}

/// The calling thread's FS or GS base (arch_prctl).
pub fn segment_base(fs: bool) -> u64 {
    with_scheduler(|s| if fs { s.current().fs_base } else { s.current().gs_base })
}

pub fn set_segment_base(fs: bool, base: u64) {
    with_scheduler(|s| if fs { s.current().fs_base = base } else { s.current().gs_base = base });
}

/// After the host copied the whole VM for a fork, only the thread that called fork goes on in
/// the child: every other thread is forgotten (their memory stays, as Linux leaves it).
pub fn forget_other_threads() {
    with_scheduler(|s| s.forget_others());
}
