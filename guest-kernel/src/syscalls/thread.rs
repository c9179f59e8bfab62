//! Threads: clone, clone3, exit, futex, gettid, set_tid_address, the robust lists,
//! sched_yield, CPU affinity and arch_prctl (the FS and GS bases). Threads are made, switched
//! and ended in proc/task.rs, futexes in proc/futex.rs.

use crate::abi::errno::{EINVAL, EPERM, ESRCH};
use crate::abi::host::USER_TOP;
use crate::abi::linux::{CLONE_THREAD, CSIGNAL};
use crate::arch::cpu::{self, IA32_FS_BASE, IA32_GS_BASE};
use crate::mm::user;
use crate::proc::futex;
use crate::proc::task::{self, with_scheduler, CloneRequest};
use crate::syscalls::identity::check_pid;
use crate::syscalls::{result, Args};

/// clone(2): (flags, stack, parent_tid, child_tid, tls) on x86-64.
pub fn sys_clone(a: &Args) -> i64 {
    let request = CloneRequest { flags: a[0] & !CSIGNAL, stack: a[1], parent_tid: a[2], child_tid: a[3], tls: a[4] };
    result(task::clone(request))
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
        task::clone(CloneRequest { flags, stack, parent_tid, child_tid, tls })
    };
    result(run())
}

/// exit(2): ends the calling thread (the last one ends the program).
pub fn sys_exit(a: &Args) -> i64 {
    task::exit_thread(a[0])
}

/// futex(2).
pub fn sys_futex(a: &Args) -> i64 {
    result(futex::futex(a[0], a[1], a[2] as u32, a[3], a[4], a[5] as u32))
}

/// gettid(2).
pub fn sys_gettid(_: &Args) -> i64 {
    task::current_tid() as i64
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

/// arch_prctl(2): the calling thread's FS and GS bases.
pub fn sys_arch_prctl(a: &Args) -> i64 {
    const ARCH_SET_GS: u64 = 0x1001;
    const ARCH_SET_FS: u64 = 0x1002;
    const ARCH_GET_FS: u64 = 0x1003;
    const ARCH_GET_GS: u64 = 0x1004;
    let (code, addr) = (a[0], a[1]);
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            // Linux refuses bases outside user space.
            if addr >= USER_TOP {
                return -EPERM;
            }
            let msr = if code == ARCH_SET_FS { IA32_FS_BASE } else { IA32_GS_BASE };
            task::set_segment_base(code == ARCH_SET_FS, addr);
            // SAFETY: a user-space base for FS/GS; the kernel itself uses neither segment.
            unsafe { cpu::wrmsr(msr, addr) };
            0
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let value = task::segment_base(code == ARCH_GET_FS);
            result(user::write(addr, &value).map(|_| 0))
        }
        _ => -EINVAL,
    }
}
