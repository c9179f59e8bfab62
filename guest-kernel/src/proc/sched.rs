//! Threads on the one vCPU: a fixed table of threads, futex wait queues with timeouts, waits
//! for an fd to become ready, and a round-robin choice of the next thread to run. Switches are
//! cooperative: they happen only when the running thread makes a system call that blocks,
//! yields or exits, and a switch happens at the system call boundary: the blocked thread's user
//! registers are saved whole (its `Context`) and the call's result is written into them when it
//! is woken or times out. A thread waiting for an fd (a read of an empty pipe, `task::park_on_fd`)
//! keeps the result it parked with, the restart marker: when the fd is ready it runs its call
//! again. No thread keeps state on a kernel stack, so one kernel stack serves them all.
//!
//! Pure logic, unit-tested on the host; task.rs does the machine side (registers, FPU, FS base).

use crate::abi::errno::{EAGAIN, EINVAL};

/// Most threads at once (Linux would stop at RLIMIT_NPROC; this is the kernel's table size).
pub const MAX_THREADS: usize = 256;

/// Tid of the first thread: the process id, as on Linux.
pub const FIRST_TID: u64 = crate::proc::process::PID;

/// A futex wait that accepts any wake (FUTEX_WAIT, FUTEX_WAKE).
pub const MATCH_ANY: u32 = u32::MAX;

/// Saved user state of a thread that is not running.
pub trait Context {
    /// A context no thread uses yet.
    const EMPTY: Self;
    /// Sets the value the thread's interrupted system call returns.
    fn set_result(&mut self, value: i64);
}

/// What a blocked thread waits for: a futex word (address and bitset), a deadline on the
/// monotonic clock (ns), or both; `on_timeout` is the result when the deadline passes first.
/// Or fds and the poll events it waits for (`fd`): a call parked until the host can serve it
/// without waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    pub futex: Option<(u64, u32)>,
    pub deadline: Option<u64>,
    pub on_timeout: i64,
    pub fd: Option<FdWait>,
}

/// The fds a parked call waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdWait {
    /// One fd and the poll events it waits for (a read, a write).
    One(i32, u16),
    /// poll's `struct pollfd` array in the program's memory: its address and entry count.
    Poll(u64, u32),
}

impl Block {
    /// A wait for `fd` to report one of `events`, with no deadline.
    pub const fn fd(fd: i32, events: u16) -> Block {
        Block { futex: None, deadline: None, on_timeout: 0, fd: Some(FdWait::One(fd, events)) }
    }

    /// A wait for one of the `count` pollfds at `array` to report an event, until `deadline`
    /// (then the call returns 0, nothing ready).
    pub const fn poll(array: u64, count: u32, deadline: Option<u64>) -> Block {
        Block { futex: None, deadline, on_timeout: 0, fd: Some(FdWait::Poll(array, count)) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Free,
    Runnable,
    Blocked(Block),
}

/// "No slot" in the links and queues.
const NONE: u16 = u16::MAX;
/// Futex wait queues: waiters hash by address into this many FIFO lists.
const BUCKETS: usize = 64;
/// Timer entries (a heap); stale ones are dropped lazily, and all are rebuilt when it is full.
const TIMERS: usize = 2 * MAX_THREADS;

/// Per-thread state beyond the registers: what Linux keeps in the task.
pub struct Thread<C> {
    pub tid: u64,
    pub state: State,
    pub context: C,
    pub fs_base: u64,
    pub gs_base: u64,
    /// set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken when the thread exits.
    pub clear_child_tid: u64,
    /// set_robust_list: the head of the thread's list of robust futexes.
    pub robust_list: u64,
    /// CPU time the thread used before it last started running (ns).
    pub cpu_ns: u64,
    /// Signals the thread blocks, and those sent to it alone (tkill, tgkill) not yet delivered.
    pub signal_mask: u64,
    pub pending_signals: u64,
    /// The number of the call the thread parked in (`Block::fd`), which it makes again: set
    /// from its parking until it next returns to user mode.
    pub parked_call: Option<u64>,
    /// The mask to go back to when a handler that interrupted rt_sigsuspend returns.
    pub suspend_mask: Option<u64>,
    /// rt_sigtimedwait: the signals waited for, where their siginfo goes, and the wait's number
    /// (`wait_number`): it counts only while that wait lasts.
    pub signal_wait: Option<(u64, u64, u32)>,
    /// Links in its futex bucket's FIFO list while it waits on a futex.
    prev: u16,
    next: u16,
    /// Whether the thread is in the run queue.
    queued: bool,
    /// Counts the thread's waits: a timer entry belongs to the wait with its number.
    wait_seq: u32,
}

impl<C: Context> Thread<C> {
    const fn empty() -> Self {
        Thread {
            tid: 0,
            state: State::Free,
            context: C::EMPTY,
            fs_base: 0,
            gs_base: 0,
            clear_child_tid: 0,
            robust_list: 0,
            cpu_ns: 0,
            signal_mask: 0,
            pending_signals: 0,
            parked_call: None,
            suspend_mask: None,
            signal_wait: None,
            prev: NONE,
            next: NONE,
            queued: false,
            wait_seq: 0,
        }
    }
}

/// What the scheduler decided: run a thread (its slot), sleep until a deadline and ask
/// again, or nothing can ever run again (every thread waits without a timeout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Run(usize),
    SleepUntil(u64),
    Deadlock,
}

#[derive(Clone, Copy)]
struct Timer {
    deadline: u64,
    slot: u16,
    wait_seq: u32,
}

/// Every structure is sized for the worst case and each operation touches only what it needs
/// (the run queue's ends, one futex bucket, the top of the timer heap): under PVM every kernel
/// instruction is emulated, and a scan over all threads at each switch cost milliseconds.
pub struct Scheduler<C> {
    threads: [Thread<C>; MAX_THREADS],
    current: usize,
    /// Slots at or above this are free.
    high_water: usize,
    live: usize,
    next_tid: u64,
    /// Runnable threads other than the current one, in the order they became runnable.
    run_queue: [u16; MAX_THREADS],
    run_head: usize,
    run_len: usize,
    /// First and last waiter of each futex bucket.
    bucket_head: [u16; BUCKETS],
    bucket_tail: [u16; BUCKETS],
    /// A min-heap of deadlines of blocked threads.
    timers: [Timer; TIMERS],
    timer_count: usize,
    /// Blocked threads waiting for an fd (`Block::fd`).
    fd_waiters: usize,
    /// The current thread gave up the CPU (blocked, yielded or exited): switch after the call.
    switch_pending: bool,
    /// The current thread exited: its slot is free and its registers must not be saved.
    current_gone: bool,
    /// When the current thread started running, and the time no thread ran (ns since boot).
    running_since: u64,
    idle_ns: u64,
}

fn bucket(addr: u64) -> usize {
    ((addr >> 2) ^ (addr >> 12)) as usize % BUCKETS
}

impl<C: Context> Scheduler<C> {
    /// One runnable thread, the program's first, with tid `FIRST_TID`.
    pub const fn new() -> Self {
        let mut threads = [const { Thread::<C>::empty() }; MAX_THREADS];
        threads[0].tid = FIRST_TID;
        threads[0].state = State::Runnable;
        Scheduler {
            threads,
            current: 0,
            high_water: 1,
            live: 1,
            next_tid: FIRST_TID + 1,
            run_queue: [NONE; MAX_THREADS],
            run_head: 0,
            run_len: 0,
            bucket_head: [NONE; BUCKETS],
            bucket_tail: [NONE; BUCKETS],
            timers: [Timer { deadline: 0, slot: NONE, wait_seq: 0 }; TIMERS],
            timer_count: 0,
            fd_waiters: 0,
            switch_pending: false,
            current_gone: false,
            running_since: 0,
            idle_ns: 0,
        }
    }

    pub fn current(&mut self) -> &mut Thread<C> {
        &mut self.threads[self.current]
    }

    pub fn current_slot(&self) -> usize {
        self.current
    }

    pub fn thread(&mut self, slot: usize) -> &mut Thread<C> {
        &mut self.threads[slot]
    }

    pub fn live(&self) -> usize {
        self.live
    }

    /// A new runnable thread with `context`; returns its slot. EAGAIN when the table is full.
    pub fn spawn(&mut self, context: C) -> Result<usize, i64> {
        let slot = if self.high_water < MAX_THREADS {
            self.high_water
        } else {
            self.threads.iter().position(|t| t.state == State::Free).ok_or(EAGAIN)?
        };
        let tid = self.next_tid;
        self.next_tid += 1;
        let wait_seq = self.threads[slot].wait_seq;
        self.threads[slot] = Thread { tid, context, wait_seq, ..Thread::empty() };
        self.live += 1;
        self.high_water = self.high_water.max(slot + 1);
        self.make_runnable(slot);
        Ok(slot)
    }

    fn make_runnable(&mut self, slot: usize) {
        let thread = &mut self.threads[slot];
        thread.state = State::Runnable;
        if !thread.queued {
            thread.queued = true;
            self.run_queue[(self.run_head + self.run_len) % MAX_THREADS] = slot as u16;
            self.run_len += 1;
        }
    }

    fn pop_runnable(&mut self) -> Option<usize> {
        while self.run_len > 0 {
            let slot = self.run_queue[self.run_head] as usize;
            self.run_head = (self.run_head + 1) % MAX_THREADS;
            self.run_len -= 1;
            self.threads[slot].queued = false;
            // Only runnable threads are queued; the check keeps a slip from running a waiter.
            if self.threads[slot].state == State::Runnable {
                return Some(slot);
            }
        }
        None
    }

    /// Blocks the current thread; the switch happens after the system call returns.
    pub fn block_current(&mut self, block: Block) {
        let slot = self.current;
        let thread = &mut self.threads[slot];
        thread.state = State::Blocked(block);
        thread.wait_seq = thread.wait_seq.wrapping_add(1);
        let wait_seq = thread.wait_seq;
        if let Some((addr, _)) = block.futex {
            self.append_waiter(bucket(addr), slot);
        }
        if let Some(deadline) = block.deadline {
            self.add_timer(Timer { deadline, slot: slot as u16, wait_seq });
        }
        if block.fd.is_some() {
            self.fd_waiters += 1;
        }
        self.switch_pending = true;
    }

    /// Takes the thread in `slot` out of the queues of its wait `block` (it stops waiting).
    fn end_wait(&mut self, slot: usize, block: Block) {
        if let Some((addr, _)) = block.futex {
            self.unlink_waiter(bucket(addr), slot);
        }
        if block.fd.is_some() {
            self.fd_waiters -= 1;
        }
    }

    /// Lets the other runnable threads run first (sched_yield).
    pub fn yield_current(&mut self) {
        self.switch_pending = true;
    }

    /// Ends the current thread (exit with other threads left).
    pub fn exit_current(&mut self) {
        self.release(self.current);
        self.switch_pending = true;
        self.current_gone = true;
    }

    /// Frees a thread that was spawned but never ran (its clone failed after all).
    pub fn discard(&mut self, slot: usize) {
        if self.threads[slot].queued {
            // It was the last one queued (nothing ran since the spawn).
            self.run_len -= 1;
            self.threads[slot].queued = false;
        }
        self.release(slot);
    }

    fn release(&mut self, slot: usize) {
        self.threads[slot].state = State::Free;
        self.live -= 1;
        while self.high_water > 0 && self.threads[self.high_water - 1].state == State::Free {
            self.high_water -= 1;
        }
    }

    /// Ends the wait of the thread in `slot` with `result` (a signal's -EINTR); false when it
    /// was not waiting. A thread parked in a read or write (`FdWait::One`) keeps its restart
    /// marker instead: the signal's delivery decides between -EINTR and making the call again
    /// (SA_RESTART). A parked poll returns `result`, as Linux's poll does whatever SA_RESTART says.
    pub fn interrupt(&mut self, slot: usize, result: i64) -> bool {
        let State::Blocked(block) = self.threads[slot].state else { return false };
        self.end_wait(slot, block);
        if !matches!(block.fd, Some(FdWait::One(..))) {
            self.threads[slot].context.set_result(result);
        }
        self.make_runnable(slot);
        true
    }

    /// Blocked threads waiting for an fd.
    pub fn fd_waiters(&self) -> usize {
        self.fd_waiters
    }

    /// Calls `f` with the slot and the fds of each thread waiting for fds.
    pub fn for_each_fd_wait(&self, mut f: impl FnMut(usize, FdWait)) {
        if self.fd_waiters == 0 {
            return;
        }
        for (slot, thread) in self.threads[..self.high_water].iter().enumerate() {
            if let State::Blocked(Block { fd: Some(wait), .. }) = thread.state {
                f(slot, wait);
            }
        }
    }

    /// The fd the thread in `slot` waits for is ready: it runs its call again.
    pub fn fd_ready(&mut self, slot: usize) {
        if let State::Blocked(block @ Block { fd: Some(_), .. }) = self.threads[slot].state {
            self.end_wait(slot, block);
            self.make_runnable(slot);
        }
    }

    /// Whether a thread other than the current one could run now.
    pub fn others_runnable(&self) -> bool {
        self.run_len > 0
    }

    /// Whether a thread could run now without waiting for anything.
    pub fn has_runnable(&self) -> bool {
        self.run_len > 0 || self.threads[self.current].state == State::Runnable
    }

    /// The number of the thread's current or last wait (`block_current` counts them).
    pub fn wait_number(&self, slot: usize) -> u32 {
        self.threads[slot].wait_seq
    }

    /// Slots at or above this are free.
    pub fn slots_in_use(&self) -> usize {
        self.high_water
    }

    /// The slot of the live thread `tid`.
    pub fn find(&self, tid: u64) -> Option<usize> {
        self.threads[..self.high_water].iter().position(|t| t.tid == tid && t.state != State::Free)
    }

    /// Whether the current thread gave up the CPU during this call, and (second) whether it
    /// still exists (its registers must be saved). Clears the request.
    pub fn take_switch(&mut self) -> Option<bool> {
        if !self.switch_pending {
            return None;
        }
        self.switch_pending = false;
        Some(!core::mem::replace(&mut self.current_gone, false))
    }

    /// Wakes up to `count` threads waiting on the futex at `addr` whose bitset shares a bit
    /// with `bitset`, oldest first; they return 0. Returns how many woke.
    pub fn wake(&mut self, addr: u64, bitset: u32, count: u64) -> u64 {
        self.requeue(addr, bitset, count, None)
    }

    /// FUTEX_REQUEUE: wakes up to `wake` waiters of `addr`, then moves up to `moved` of the
    /// rest to wait on `to`. Returns how many were woken plus how many were moved.
    pub fn wake_and_requeue(&mut self, addr: u64, wake: u64, to: u64, moved: u64) -> u64 {
        let woken = self.wake(addr, MATCH_ANY, wake);
        woken + self.requeue(addr, MATCH_ANY, moved, Some(to))
    }

    /// Wakes (`to` None) or moves to `to` up to `count` waiters of `addr`, oldest first.
    fn requeue(&mut self, addr: u64, bitset: u32, count: u64, to: Option<u64>) -> u64 {
        let from = bucket(addr);
        let mut done = 0;
        let mut at = self.bucket_head[from];
        while done < count && at != NONE {
            let slot = at as usize;
            at = self.threads[slot].next;
            let State::Blocked(mut block) = self.threads[slot].state else { continue };
            let Some((waited, bits)) = block.futex else { continue };
            if waited != addr || bits & bitset == 0 {
                continue;
            }
            self.unlink_waiter(from, slot);
            match to {
                Some(target) => {
                    block.futex = Some((target, bits));
                    self.threads[slot].state = State::Blocked(block);
                    self.append_waiter(bucket(target), slot);
                }
                None => {
                    self.threads[slot].context.set_result(0);
                    self.make_runnable(slot);
                }
            }
            done += 1;
        }
        done
    }

    fn append_waiter(&mut self, bucket: usize, slot: usize) {
        let tail = self.bucket_tail[bucket];
        self.threads[slot].prev = tail;
        self.threads[slot].next = NONE;
        if tail == NONE {
            self.bucket_head[bucket] = slot as u16;
        } else {
            self.threads[tail as usize].next = slot as u16;
        }
        self.bucket_tail[bucket] = slot as u16;
    }

    fn unlink_waiter(&mut self, bucket: usize, slot: usize) {
        let (prev, next) = (self.threads[slot].prev, self.threads[slot].next);
        if prev == NONE {
            self.bucket_head[bucket] = next;
        } else {
            self.threads[prev as usize].next = next;
        }
        if next == NONE {
            self.bucket_tail[bucket] = prev;
        } else {
            self.threads[next as usize].prev = prev;
        }
        self.threads[slot].prev = NONE;
        self.threads[slot].next = NONE;
    }

    /// Whether a timer entry still belongs to a pending wait (wakes leave entries behind).
    fn timer_current(&self, timer: &Timer) -> bool {
        let thread = &self.threads[timer.slot as usize];
        matches!(thread.state, State::Blocked(_)) && thread.wait_seq == timer.wait_seq
    }

    fn add_timer(&mut self, timer: Timer) {
        if self.timer_count == TIMERS {
            // Full of entries of finished waits: keep only the pending ones.
            let mut kept = 0;
            for i in 0..self.timer_count {
                if self.timer_current(&self.timers[i]) {
                    self.timers[kept] = self.timers[i];
                    kept += 1;
                }
            }
            self.timer_count = 0;
            for i in 0..kept {
                let entry = self.timers[i];
                self.push_timer(entry);
            }
        }
        self.push_timer(timer);
    }

    fn push_timer(&mut self, timer: Timer) {
        let mut at = self.timer_count;
        self.timer_count += 1;
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.timers[parent].deadline <= timer.deadline {
                break;
            }
            self.timers[at] = self.timers[parent];
            at = parent;
        }
        self.timers[at] = timer;
    }

    fn pop_timer(&mut self) {
        self.timer_count -= 1;
        let last = self.timers[self.timer_count];
        let mut at = 0;
        loop {
            let mut child = 2 * at + 1;
            if child >= self.timer_count {
                break;
            }
            if child + 1 < self.timer_count && self.timers[child + 1].deadline < self.timers[child].deadline {
                child += 1;
            }
            if last.deadline <= self.timers[child].deadline {
                break;
            }
            self.timers[at] = self.timers[child];
            at = child;
        }
        if self.timer_count > 0 {
            self.timers[at] = last;
        }
    }

    /// Makes runnable every thread whose deadline is at or before `now`, with its timeout
    /// result; returns the earliest deadline still pending.
    fn expire(&mut self, now: u64) -> Option<u64> {
        while self.timer_count > 0 {
            let top = self.timers[0];
            if !self.timer_current(&top) {
                self.pop_timer();
                continue;
            }
            if top.deadline > now {
                return Some(top.deadline);
            }
            self.pop_timer();
            let slot = top.slot as usize;
            if let State::Blocked(block) = self.threads[slot].state {
                self.end_wait(slot, block);
                self.threads[slot].context.set_result(block.on_timeout);
                self.make_runnable(slot);
            }
        }
        None
    }

    /// Chooses the next thread at time `now`: the one runnable longest, the current one (if
    /// it can still run) after all others. `Run` makes it current.
    pub fn pick_next(&mut self, now: u64) -> Next {
        if self.threads[self.current].state == State::Runnable {
            self.make_runnable(self.current);
        }
        let earliest = self.expire(now);
        if let Some(slot) = self.pop_runnable() {
            self.current = slot;
            return Next::Run(slot);
        }
        match earliest {
            Some(deadline) => Next::SleepUntil(deadline),
            None => Next::Deadlock,
        }
    }

    /// Whether only the current thread can run until some deadline, at `now`: `None` when
    /// another thread is runnable (timers due by `now` make their threads so) or parked on an
    /// fd, else the earliest
    /// deadline a blocked thread waits for (`Some(None)`: none has one). Until then, nothing but
    /// the current thread could wake another: it may wait on the host (epoll_wait).
    pub fn others_idle_until(&mut self, now: u64) -> Option<Option<u64>> {
        let earliest = self.expire(now);
        // A thread parked on an fd may be ready to run at any moment: the host's wait for the
        // caller would not notice it, so the caller must not hand the vCPU to that wait.
        if self.run_len > 0 || self.fd_waiters() > 0 { None } else { Some(earliest) }
    }

    /// CPU time accounting, at a switch: the current thread stops running at `now` (ns since
    /// boot).
    pub fn stop_running(&mut self, now: u64) {
        let ran = now.saturating_sub(self.running_since);
        self.threads[self.current].cpu_ns += ran;
        self.running_since = now;
    }

    /// The (new) current thread starts running at `now`; the time since `stop_running` was
    /// spent waiting for a thread to become runnable (idle, not the program's CPU time).
    pub fn start_running(&mut self, now: u64) {
        self.idle_ns += now.saturating_sub(self.running_since);
        self.running_since = now;
    }

    /// CPU time of the thread in `slot` at `now`.
    pub fn thread_cpu_ns(&self, slot: usize, now: u64) -> u64 {
        let running = if slot == self.current { now.saturating_sub(self.running_since) } else { 0 };
        self.threads[slot].cpu_ns + running
    }

    /// CPU time of the program at `now`: all time since boot but the idle time.
    pub fn process_cpu_ns(&self, now: u64) -> u64 {
        now.saturating_sub(self.idle_ns)
    }

    /// Whether a timer is pending (the scheduler needs the time only then).
    pub fn has_timers(&self) -> bool {
        self.timer_count > 0
    }

    /// After a VM fork only the calling thread goes on in the child: frees every other slot.
    pub fn forget_others(&mut self) {
        let current = self.current;
        for (slot, thread) in self.threads.iter_mut().enumerate() {
            thread.queued = false;
            thread.prev = NONE;
            thread.next = NONE;
            if slot != current {
                thread.state = State::Free;
            }
        }
        self.run_len = 0;
        self.bucket_head = [NONE; BUCKETS];
        self.bucket_tail = [NONE; BUCKETS];
        self.timer_count = 0;
        self.fd_waiters = 0;
        self.live = 1;
        self.high_water = current + 1;
    }

    /// Tid of the thread in `slot`.
    pub fn tid(&self, slot: usize) -> u64 {
        self.threads[slot].tid
    }
}

/// Checks a futex address (4-byte aligned, non-null).
pub fn check_futex_address(addr: u64) -> Result<(), i64> {
    if addr == 0 || addr % 4 != 0 { Err(EINVAL) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context that only remembers the last result written into it.
    #[derive(Debug, PartialEq)]
    struct Result_(i64);

    impl Context for Result_ {
        const EMPTY: Self = Result_(i64::MIN);
        fn set_result(&mut self, value: i64) {
            self.0 = value;
        }
    }

    const ETIMEDOUT: i64 = 110;

    fn waiting(addr: u64, deadline: Option<u64>) -> Block {
        Block { futex: Some((addr, MATCH_ANY)), deadline, on_timeout: -ETIMEDOUT, fd: None }
    }

    fn with_threads(n: usize) -> Scheduler<Result_> {
        let mut s = Scheduler::new();
        for _ in 1..n {
            s.spawn(Result_(0)).unwrap();
        }
        s
    }

    #[test]
    fn new_threads_get_increasing_tids_and_run_in_turn() {
        let mut s = with_threads(3);
        assert_eq!((s.tid(0), s.tid(1), s.tid(2)), (1, 2, 3));
        assert_eq!(s.live(), 3);
        s.yield_current();
        assert_eq!(s.take_switch(), Some(true));
        assert_eq!(s.pick_next(0), Next::Run(1));
        assert_eq!(s.pick_next(0), Next::Run(2));
        assert_eq!(s.pick_next(0), Next::Run(0), "round robin wraps around");
        assert_eq!(s.take_switch(), None);
    }

    #[test]
    fn others_are_idle_until_the_earliest_deadline_of_a_blocked_thread() {
        let mut s = with_threads(3);
        assert_eq!(s.others_idle_until(0), None, "two others are runnable");
        s.yield_current();
        s.take_switch();
        assert_eq!(s.pick_next(0), Next::Run(1));
        s.block_current(waiting(0x1000, Some(500)));
        s.take_switch();
        assert_eq!(s.pick_next(0), Next::Run(2));
        s.block_current(waiting(0x2000, None));
        s.take_switch();
        assert_eq!(s.pick_next(0), Next::Run(0));
        assert_eq!(s.others_idle_until(100), Some(Some(500)), "one waits with a timeout, one without");
        assert_eq!(s.others_idle_until(500), None, "its timeout made it runnable");
        assert_eq!(s.pick_next(500), Next::Run(1));
        assert_eq!(s.thread(1).context, Result_(-ETIMEDOUT));
    }

    #[test]
    fn a_blocked_thread_runs_again_only_when_woken_and_returns_zero() {
        let mut s = with_threads(2);
        s.block_current(waiting(0x1000, None));
        assert_eq!(s.pick_next(0), Next::Run(1));
        assert_eq!(s.pick_next(0), Next::Run(1), "the waiter is skipped");
        assert_eq!(s.wake(0x2000, MATCH_ANY, 1), 0, "another address wakes nobody");
        assert_eq!(s.wake(0x1000, MATCH_ANY, 5), 1);
        assert_eq!(s.thread(0).context, Result_(0));
        assert_eq!(s.pick_next(0), Next::Run(0));
    }

    #[test]
    fn wakes_go_to_the_oldest_waiters_and_respect_bitsets() {
        let mut s = with_threads(4);
        for slot in [2, 0, 1] {
            s.current = slot;
            s.block_current(Block { futex: Some((0x10, if slot == 1 { 0b10 } else { 0b01 })), deadline: None, on_timeout: 0, fd: None });
        }
        s.current = 3;
        assert_eq!(s.wake(0x10, 0b01, 1), 1);
        assert!(matches!(s.thread(2).state, State::Runnable), "slot 2 waited first");
        assert!(matches!(s.thread(0).state, State::Blocked(_)));
        assert_eq!(s.wake(0x10, 0b10, 10), 1, "only the waiter with a matching bit");
        assert!(matches!(s.thread(1).state, State::Runnable));
        assert!(matches!(s.thread(0).state, State::Blocked(_)));
    }

    #[test]
    fn requeue_wakes_some_and_moves_the_rest() {
        let mut s = with_threads(4);
        for slot in 0..3 {
            s.current = slot;
            s.block_current(waiting(0x10, None));
        }
        s.current = 3;
        assert_eq!(s.wake_and_requeue(0x10, 1, 0x20, 1), 2);
        assert!(matches!(s.thread(0).state, State::Runnable));
        assert_eq!(s.wake(0x10, MATCH_ANY, 10), 1, "one waiter was left on the first word");
        assert_eq!(s.wake(0x20, MATCH_ANY, 10), 1, "one waiter was moved");
    }

    #[test]
    fn timeouts_wake_with_their_result_and_the_earliest_deadline_is_slept_to() {
        let mut s = with_threads(2);
        s.block_current(waiting(0x10, Some(500)));
        s.current = 1;
        s.block_current(Block { futex: None, deadline: Some(300), on_timeout: 0, fd: None });
        assert_eq!(s.pick_next(100), Next::SleepUntil(300));
        assert_eq!(s.pick_next(300), Next::Run(1));
        assert_eq!(s.thread(1).context, Result_(0));
        s.block_current(Block { futex: None, deadline: None, on_timeout: 0, fd: None });
        assert_eq!(s.pick_next(400), Next::SleepUntil(500));
        assert_eq!(s.pick_next(501), Next::Run(0));
        assert_eq!(s.thread(0).context, Result_(-ETIMEDOUT));
        s.block_current(waiting(0x10, None));
        assert_eq!(s.pick_next(600), Next::Deadlock, "everybody waits without a timeout");
    }

    #[test]
    fn exited_threads_free_their_slot_and_are_not_saved() {
        let mut s = with_threads(3);
        assert_eq!(s.pick_next(0), Next::Run(1));
        assert_eq!(s.pick_next(0), Next::Run(2));
        s.exit_current();
        assert_eq!(s.take_switch(), Some(false));
        assert_eq!(s.live(), 2);
        assert_eq!(s.high_water, 2);
        assert_eq!(s.pick_next(0), Next::Run(0));
        assert_eq!(s.pick_next(0), Next::Run(1), "the exited thread is not run again");
        let slot = s.spawn(Result_(0)).unwrap();
        assert_eq!((slot, s.tid(slot)), (2, 4), "slots are reused, tids are not");
        assert_eq!(s.find(4), Some(2));
        assert_eq!(s.find(3), None);
        s.discard(2);
        assert_eq!((s.live(), s.high_water), (2, 2));
    }

    #[test]
    fn stale_timers_of_woken_waits_are_dropped_and_the_heap_never_overflows() {
        let mut s = with_threads(2);
        for round in 0..(3 * TIMERS as u64) {
            s.block_current(waiting(0x40, Some(1_000_000 + round)));
            assert_eq!(s.wake(0x40, MATCH_ANY, 1), 1);
            assert!(s.timer_count <= TIMERS);
        }
        s.block_current(Block { futex: None, deadline: Some(2_000_000), on_timeout: 0, fd: None });
        assert_eq!(s.pick_next(0), Next::Run(1));
        s.block_current(waiting(0x40, None));
        assert_eq!(s.pick_next(0), Next::SleepUntil(2_000_000), "only the pending deadline counts");
        assert_eq!(s.pick_next(2_000_000), Next::Run(0));
        assert!(!s.has_timers());
    }

    #[test]
    fn cpu_time_counts_running_and_not_waiting() {
        let mut s = with_threads(2);
        // Thread 0 runs 0..100, thread 1 runs 100..150, nobody runs 150..400, thread 0 again.
        s.stop_running(100);
        assert_eq!(s.pick_next(100), Next::Run(1));
        s.start_running(100);
        s.block_current(Block { futex: None, deadline: None, on_timeout: 0, fd: None });
        s.stop_running(150);
        s.current = 0;
        s.start_running(400);
        assert_eq!(s.thread_cpu_ns(0, 450), 150);
        assert_eq!(s.thread_cpu_ns(1, 450), 50);
        assert_eq!(s.process_cpu_ns(450), 200);
    }

    #[test]
    fn an_interrupted_wait_ends_with_the_given_result_and_leaves_its_queue() {
        let mut s = with_threads(2);
        s.block_current(waiting(0x10, Some(1000)));
        assert_eq!(s.pick_next(0), Next::Run(1));
        assert!(s.interrupt(0, -4));
        assert_eq!(s.thread(0).context, Result_(-4));
        assert!(!s.interrupt(0, -4), "a runnable thread is not waiting");
        assert_eq!(s.wake(0x10, MATCH_ANY, 1), 0, "it no longer waits on the futex");
        assert_eq!(s.pick_next(2000), Next::Run(0));
        assert_eq!(s.thread(0).context, Result_(-4), "its stale timer changes nothing");
    }

    #[test]
    fn a_thread_parked_on_an_fd_keeps_the_others_from_idling() {
        let mut s = with_threads(2);
        s.block_current(Block::fd(5, 1));
        assert_eq!(s.pick_next(0), Next::Run(1));
        assert_eq!(s.others_idle_until(0), None, "the parked thread may be ready at any moment");
    }

    #[test]
    fn an_fd_waiter_runs_again_when_its_fd_is_ready_and_keeps_its_result_when_interrupted() {
        let mut s = with_threads(3);
        s.thread(0).context = Result_(-512);
        s.block_current(Block::fd(5, 1));
        assert_eq!(s.pick_next(0), Next::Run(1));
        s.block_current(Block::fd(6, 4));
        assert_eq!(s.fd_waiters(), 2);
        let mut waits = [(0, FdWait::One(0, 0)); 2];
        let mut n = 0;
        s.for_each_fd_wait(|slot, wait| {
            waits[n] = (slot, wait);
            n += 1;
        });
        assert_eq!(waits, [(0, FdWait::One(5, 1)), (1, FdWait::One(6, 4))]);
        assert!(s.has_runnable(), "slot 2 can run");
        s.fd_ready(0);
        assert_eq!(s.thread(0).context, Result_(-512), "a ready fd leaves the restart marker");
        s.fd_ready(0);
        assert_eq!(s.fd_waiters(), 1, "a second readiness changes nothing");
        assert!(s.interrupt(1, -4));
        assert_eq!(s.thread(1).context, Result_(0), "a signal leaves the parked call's result alone");
        assert_eq!(s.fd_waiters(), 0);
        assert_eq!(s.pick_next(0), Next::Run(2));
        assert_eq!(s.pick_next(0), Next::Run(0));
        assert_eq!(s.pick_next(0), Next::Run(1));
    }

    #[test]
    fn a_poll_waiter_runs_again_when_ready_or_returns_zero_at_its_deadline() {
        let mut s = with_threads(2);
        s.block_current(Block::poll(0x7000, 3, Some(500)));
        assert_eq!(s.pick_next(0), Next::Run(1));
        s.block_current(Block::poll(0x8000, 1, None));
        assert_eq!(s.pick_next(100), Next::SleepUntil(500));
        assert_eq!(s.pick_next(500), Next::Run(0));
        assert_eq!(s.thread(0).context, Result_(0), "nothing ready by the deadline");
        assert_eq!(s.fd_waiters(), 1);
        s.thread(1).context = Result_(-512);
        s.fd_ready(1);
        assert_eq!(s.thread(1).context, Result_(-512), "a ready fd makes the poll again");
        assert_eq!(s.fd_waiters(), 0);
        assert_eq!(s.pick_next(600), Next::Run(1));
        s.block_current(Block::poll(0x8000, 1, None));
        assert!(s.interrupt(1, -4));
        assert_eq!(s.thread(1).context, Result_(-4), "a signal ends a poll with its result");
    }

    #[test]
    fn nothing_runnable_while_every_thread_waits_for_an_fd() {
        let mut s = with_threads(1);
        s.block_current(Block::fd(3, 1));
        assert!(!s.has_runnable());
        assert_eq!(s.pick_next(0), Next::Deadlock, "the caller waits for the fds on the host");
        s.fd_ready(0);
        assert_eq!(s.pick_next(0), Next::Run(0));
    }

    #[test]
    fn the_table_has_a_limit() {
        let mut s = with_threads(MAX_THREADS);
        assert_eq!(s.spawn(Result_(0)).err(), Some(EAGAIN));
    }

    #[test]
    fn after_a_fork_only_the_caller_is_left() {
        let mut s = with_threads(4);
        s.current = 2;
        s.forget_others();
        assert_eq!(s.live(), 1);
        assert_eq!(s.pick_next(0), Next::Run(2));
        assert!(matches!(s.thread(0).state, State::Free));
    }

    #[test]
    fn futex_addresses_must_be_aligned() {
        assert_eq!(check_futex_address(0x1004), Ok(()));
        assert_eq!(check_futex_address(0x1002), Err(EINVAL));
        assert_eq!(check_futex_address(0), Err(EINVAL));
    }
}
