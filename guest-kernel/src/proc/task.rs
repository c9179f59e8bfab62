//! Threads, the machine side: each thread's saved user registers, FPU state and FS/GS bases,
//! the switch between threads at the end of a system call, thread creation and exit, and the
//! sleeps and CPU clocks built on the scheduler. The scheduling decisions are in sched.rs; the
//! system calls are in syscalls/thread.rs.

use crate::abi::errno::{EINTR, EINVAL, EPERM, ERESTARTSYS};
use crate::abi::host::{kva, USER_TOP};
use crate::abi::linux::{
    CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID,
    CLONE_DETACHED, CLONE_FILES, CLONE_FS, CLONE_PARENT_SETTID, CLONE_SETTLS, CLONE_SIGHAND, CLONE_SYSVSEM, CLONE_THREAD,
    CLONE_VM, F_GETFL, NANOS_PER_SECOND, O_ACCMODE, O_NONBLOCK, O_RDONLY, O_WRONLY, POLLIN, PollFd,
};
use crate::arch::cell::KernelCell;
use crate::arch::cpu;
use crate::arch::trap_frame::{FxArea, TrapFrame};
use crate::host::{boot_info, clock, forwarded, hypercall};
use crate::mm::user;
use crate::proc::sched::{Block, Context, FdWait, Next, Scheduler, MATCH_ANY, MAX_THREADS};
use crate::proc::process::NOFILE_HARD;
use crate::proc::{signal, spawn};

/// How long one host sleep lasts when every thread waits without a timeout (a deadlock, or a
/// wait for something that cannot happen): the run's time limit ends it.
const FOREVER_SLICE_NS: u64 = 3600 * NANOS_PER_SECOND;

/// Waits shorter than this are spun out in the scheduler instead of slept on the host: a
/// forwarded call alone costs some 270 us under PVM (docs/benchmarks.md).
const SPIN_BELOW_NS: u64 = 250_000;

fn now(clock: u64) -> u64 {
    clock::read(clock).unwrap_or(0)
}

/// Blocks the calling thread until `deadline` on the monotonic clock (nanosleep,
/// clock_nanosleep, poll and select with nothing ready): other threads run meanwhile, and
/// when none can, the vCPU sleeps on the host. Returns the call's result (0).
pub fn sleep_until(deadline: Option<u64>) -> i64 {
    block(Block { futex: None, deadline, on_timeout: 0, fd: None });
    0
}

/// Blocks the calling thread for `ns` nanoseconds (see `sleep_until`). A sleep that is already
/// over still lets the other runnable threads run first: without preemption, a thread that
/// polls with short sleeps (whose deadline passes while the call is on its way, under PVM)
/// would otherwise never let anyone else run.
pub fn sleep_for(ns: u64) -> i64 {
    sleep_until(Some(now(CLOCK_MONOTONIC).saturating_add(ns)))
}

// ---- Calls that would wait on the host ------------------------------------------------------

/// Whether a call that would wait on the host must park its caller instead: while another
/// thread could run meanwhile, or an alarm could interrupt the wait. A program with one thread
/// and no alarm lets the host wait, as before (no extra hypercall on its path).
pub fn may_park() -> bool {
    with_scheduler(|s| s.live()) > 1 || signal::alarm_deadline() != 0
}

/// For a call on `fd` that the host serves by waiting for `events` (a read of an empty pipe, a
/// write to a full one): when the caller may park (`may_park`) and the host reports `fd` not
/// ready and blocking, the calling thread waits for it in the scheduler instead and the
/// call's result is the restart marker, `-ERESTARTSYS`: once `fd` is ready (or a signal's
/// handler with `SA_RESTART` has run) the thread makes the call again. None: make the call now
/// (ready, non-blocking, or an fd the call itself reports as bad).
pub fn park_unless_ready(fd: u64, events: u16) -> Option<i64> {
    if !may_park() || fd > i32::MAX as u64 {
        return None;
    }
    let fd = fd as i32;
    let io = boot_info::get().io_buffer;
    let ready = {
        let staged = kva(io) as *mut PollFd;
        // SAFETY: the I/O buffer is at least a page of guest RAM reserved for hypercalls, mapped
        // by the direct map; one vCPU, and nothing else uses it during this call.
        unsafe { staged.write_volatile(PollFd { fd, events, revents: 0 }) };
        let answer = hypercall::call(forwarded::POLL, [io, 1, 0, 0, 0, 0]);
        // SAFETY: as above, after the host answered.
        answer != 0 || unsafe { staged.read_volatile() }.revents != 0
    };
    if ready {
        return None;
    }
    // Neither a non-blocking fd nor one not open for the direction asked ever waits.
    let flags = hypercall::call(forwarded::FCNTL, [fd as u64, F_GETFL, 0, 0, 0, 0]);
    let wrong_way = if events & POLLIN != 0 { O_WRONLY } else { O_RDONLY };
    if flags < 0 || flags as u64 & O_NONBLOCK != 0 || flags as u64 & O_ACCMODE == wrong_way {
        return None;
    }
    block(Block::fd(fd, events));
    Some(-ERESTARTSYS)
}

/// The calling thread parked in call `number` (its handler returned `-ERESTARTSYS`).
pub fn note_restart(number: u64) {
    with_scheduler(|s| s.current().parked_call = Some(number));
}

/// On the way back to user mode of a thread that parked in a call: the call is made again when
/// `restart` (its fd is ready, a signal came without a handler, or the handler has
/// `SA_RESTART`): RAX gets its number back and RIP goes back over the 2-byte SYSCALL, as Linux
/// restarts; else it returns `-EINTR`. The thread's own mark, with its RAX, says it parked: a
/// preempted thread's RAX is whatever its code left there.
pub fn end_parked_call(frame: &mut TrapFrame, restart: bool) {
    let Some(number) = with_scheduler(|s| s.current().parked_call.take()) else { return };
    // A poll whose deadline passed returns its timeout's result instead.
    if frame.rax as i64 != -ERESTARTSYS {
        return;
    }
    if restart {
        frame.rax = number;
        frame.rip -= 2;
    } else {
        frame.rax = -EINTR as u64;
    }
}

/// Asks the host which of the fds that threads wait for are ready, waiting up to `millis` (-1:
/// until one is) when no thread can run meanwhile; the threads with a ready fd become runnable.
/// A poll waiter's array is copied from the program's memory (one address space); one that
/// cannot be read, or no longer fits in the I/O buffer, counts as ready: its call, made again,
/// reports or waits itself.
fn poll_fd_waits(s: &mut Scheduler<SavedContext>, millis: i64) {
    let io = boot_info::get().io_buffer;
    // The host polls at most as many entries as a process may have fds (as poll(2) itself).
    let room = (boot_info::get().io_buffer_size as usize / size_of::<PollFd>()).min(NOFILE_HARD as usize);
    let staged = kva(io) as *mut PollFd;
    // Each waiter's slot and its entries in the staged array.
    let mut waits = [(0u16, 0u32, 0u32); MAX_THREADS];
    let (mut waiters, mut count) = (0, 0usize);
    let mut ready_now = [0u16; MAX_THREADS];
    let mut unreadable = 0;
    s.for_each_fd_wait(|slot, wait| {
        let entries = match wait {
            FdWait::One(fd, events) => {
                if count < room {
                    // SAFETY: as in `park_unless_ready`; entry `count` lies inside the I/O buffer.
                    unsafe { staged.add(count).write_volatile(PollFd { fd, events, revents: 0 }) };
                    Some(1)
                } else {
                    None
                }
            }
            FdWait::Poll(array, n) => {
                let bytes = n as usize * size_of::<PollFd>();
                // SAFETY: the destination lies inside the I/O buffer (checked against `room`).
                let copied = count + n as usize <= room
                    && user::copy_in(unsafe { staged.add(count) } as *mut u8, array, bytes).is_ok();
                copied.then_some(n)
            }
        };
        match entries {
            Some(n) => {
                waits[waiters] = (slot as u16, count as u32, n);
                waiters += 1;
                count += n as usize;
            }
            None => {
                ready_now[unreadable] = slot as u16;
                unreadable += 1;
            }
        }
    });
    for &slot in &ready_now[..unreadable] {
        s.fd_ready(slot as usize);
    }
    // A waiter made runnable above runs at once: nothing to wait for on the host.
    let millis = if unreadable > 0 { 0 } else { millis };
    // EINTR from the host only means "look again"; an error leaves every thread waiting.
    if hypercall::call(forwarded::POLL, [io, count as u64, millis as u64, 0, 0, 0]) <= 0 {
        return;
    }
    for &(slot, first, n) in &waits[..waiters] {
        // SAFETY: as above, after the host answered; the entries lie inside the staged array.
        let ready = (first..first + n).any(|i| unsafe { staged.add(i as usize).read_volatile() }.revents != 0);
        if ready {
            s.fd_ready(slot as usize);
        }
    }
}

/// poll(2) with more than one thread and nothing ready: the caller waits for one of the `count`
/// pollfds at `array`, or until `deadline` (the call then returns 0); when one is ready, it makes
/// its call again, which finds it. The result is the restart marker (`park_unless_ready`).
pub fn park_on_poll(array: u64, count: u32, deadline: Option<u64>) -> i64 {
    block(Block::poll(array, count, deadline));
    -ERESTARTSYS
}

/// The monotonic clock now, in ns.
pub fn monotonic_now() -> u64 {
    now(CLOCK_MONOTONIC)
}

/// Nanoseconds since boot: the time base of CPU time accounting.
fn since_boot() -> u64 {
    clock::since_boot_ns()
}

/// CPU time of the program: the guest has one vCPU running only this program, so it is the
/// time since boot less the time no thread could run (the kernel's share is not told apart).
pub fn process_cpu_ns() -> u64 {
    with_scheduler(|s| s.process_cpu_ns(since_boot()))
}

/// CPU time of the calling thread.
pub fn thread_cpu_ns() -> u64 {
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
                return if id == 0 || id == spawn::pid() { Ok(process_cpu_ns()) } else { Err(EINVAL) };
            }
            with_scheduler(|s| {
                let slot = if id == 0 { Some(s.current_slot()) } else { s.find(id) };
                slot.map(|slot| s.thread_cpu_ns(slot, since_boot())).ok_or(EINVAL)
            })
        }
    }
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

/// Blocks the calling thread (`Block` says until what); the switch happens after the call.
pub fn block(block: Block) {
    with_scheduler(|s| s.block_current(block));
}

/// The current thread's id (gettid).
pub fn current_tid() -> u64 {
    with_scheduler(|s| s.current().tid)
}

/// Called by the system call dispatcher after a call that may create or switch threads (the
/// entries marked so in syscalls/table.rs), with the caller's full register frame: completes a
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
    if let Some(stack) = spawn::take_child_stack() {
        frame.rsp = stack;
    }
    if let Some(save) = with_scheduler(|s| s.take_switch()) {
        switch(frame, save);
    }
    with_scheduler(|s| ask_preemption(s));
}

/// Asks the host to preempt the program every time slice while another thread could run or
/// become runnable without the running one's help (its deadline passes, its fd becomes ready),
/// or an alarm could fire, meanwhile (docs/guest-abi.md, "Threads and waits on the host"): a
/// program with one thread and no alarm is never stopped.
pub fn ask_preemption(s: &Scheduler<SavedContext>) {
    let others = s.others_runnable() || s.has_timers() || s.fd_waiters() > 0;
    hypercall::ask_preemption(others || signal::alarm_deadline() != 0);
}

/// The host preempted the program (`hypercall::take_preempted` gave `frame` the program's own
/// registers back): the other runnable threads run first.
pub fn preempt(frame: &mut TrapFrame) {
    with_scheduler(|s| s.yield_current());
    after_call(frame);
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
        let alarm = signal::alarm_deadline();
        let now = if s.has_timers() || alarm != 0 { now(CLOCK_MONOTONIC) } else { 0 };
        // A due alarm posts SIGALRM, which ends the wait of a thread that can take it.
        signal::expire_alarm(s, now);
        let alarm = signal::alarm_deadline();
        // A thread that another one has just served (a write to its pipe) runs in its turn.
        if s.fd_waiters() > 0 && s.has_runnable() {
            poll_fd_waits(s, 0);
        }
        let until = match s.pick_next(now) {
            Next::Run(slot) => break slot,
            Next::SleepUntil(deadline) if alarm != 0 => Some(deadline.min(alarm)),
            Next::SleepUntil(deadline) => Some(deadline),
            Next::Deadlock if alarm != 0 => Some(alarm),
            Next::Deadlock => None,
        };
        if s.fd_waiters() > 0 {
            // Nothing can run: the host waits for one of the fds, up to the next deadline.
            let millis = until.map_or(-1, |next| next.saturating_sub(now).div_ceil(1_000_000).min(i32::MAX as u64) as i64);
            poll_fd_waits(s, millis);
            continue;
        }
        let Some(next) = until else {
            _ = crate::host::calls::sleep(FOREVER_SLICE_NS);
            continue;
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

/// What clone, clone3, fork and vfork ask for, whichever form they came in.
#[derive(Default)]
pub struct CloneRequest {
    pub flags: u64,
    /// The new thread's (or child process's) stack pointer (0: the caller's).
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

impl CloneRequest {
    /// Checks, before anything is created, every address the clone will use: the tid words
    /// it writes (EFAULT; their pages are mapped now, so the writes after the creation cannot
    /// fail) and the TLS base (EPERM outside user space, as Linux's arch_prctl). A clone that
    /// fails thus leaves no child behind; issue 19 found a child that ran although its parent
    /// got EFAULT. The stack is not checked, as on Linux: a bad one faults in the child.
    pub fn check_addresses(&self) -> Result<(), i64> {
        if self.flags & CLONE_SETTLS != 0 && self.tls >= USER_TOP {
            return Err(EPERM);
        }
        let tid_size = core::mem::size_of::<u32>();
        if self.flags & CLONE_PARENT_SETTID != 0 {
            user::prepare_write(self.parent_tid, tid_size)?;
        }
        if self.flags & CLONE_CHILD_SETTID != 0 {
            user::prepare_write(self.child_tid, tid_size)?;
        }
        Ok(())
    }
}

/// clone(2) and clone3(2): a thread, or a process. Returns the new thread's tid or the child's
/// pid.
pub fn clone(request: CloneRequest) -> Result<u64, i64> {
    if request.flags & CLONE_VM == 0 || request.flags & CLONE_THREAD == 0 {
        // A new process (fork, vfork, posix_spawn's CLONE_VM|CLONE_VFORK): the host copies the
        // whole VM (spawn.rs); the child's stack, if one was given, is applied by `after_call`.
        return spawn::clone_process(&request);
    }
    clone_thread(request)
}

fn clone_thread(request: CloneRequest) -> Result<u64, i64> {
    let flags = request.flags;
    if flags & THREAD_SHARES != THREAD_SHARES || flags & !(THREAD_SHARES | THREAD_OPTIONS) != 0 {
        return Err(EINVAL);
    }
    request.check_addresses()?;
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
        // Not expected after `check_addresses`; should it happen, undo: the thread never ran.
        // Its slot is freed as by an exit of a never-current thread.
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
pub fn exit_thread(status: u64) -> i64 {
    if with_scheduler(|s| s.live()) == 1 {
        crate::host::exit::exit(status & 0xff);
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
