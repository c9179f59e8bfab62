//! Who the program is: pids, user and group ids, the process group and session. The program
//! runs as one fixed user and group (proc/process.rs); the pids come from the host
//! (proc/spawn.rs).

use crate::abi::errno::{EACCES, EINVAL, EPERM, ESRCH};
use crate::mm::user;
use crate::proc::process::{self, GROUP_ID, USER_ID};
use crate::proc::spawn;
use crate::syscalls::{result, Args};

/// The run's first process (pid 1) leads the one process group and session of the run.
const GROUP_LEADER: u64 = process::PID;

/// Whether `pid` names the calling process (0 or its own pid); ESRCH otherwise.
pub fn check_pid(pid: u64) -> Result<(), i64> {
    if pid == 0 || pid == spawn::pid() {
        Ok(())
    } else {
        Err(ESRCH)
    }
}

/// getpid(2).
pub fn sys_getpid(_: &Args) -> i64 {
    spawn::pid() as i64
}

/// getppid(2).
pub fn sys_getppid(_: &Args) -> i64 {
    spawn::parent_pid() as i64
}

/// getuid(2), geteuid(2).
pub fn sys_getuid(_: &Args) -> i64 {
    USER_ID as i64
}

/// getgid(2), getegid(2).
pub fn sys_getgid(_: &Args) -> i64 {
    GROUP_ID as i64
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

/// setuid(2) and friends: only to the identity the program already has.
pub fn sys_set_own_id(a: &Args) -> i64 {
    if a[0] == USER_ID || a[0] == GROUP_ID || a[0] == u32::MAX as u64 {
        0
    } else {
        -EPERM
    }
}

/// Whether each id is the program's own `id` or -1 ("unchanged"): an unprivileged user may only
/// move among its real, effective and saved ids, which here are all one.
fn own_ids(ids: &[u64], id: u64) -> i64 {
    if ids.iter().all(|&requested| requested as u32 == id as u32 || requested as u32 == u32::MAX) {
        0
    } else {
        -EPERM
    }
}

/// setreuid(2).
pub fn sys_setreuid(a: &Args) -> i64 {
    own_ids(&a[..2], USER_ID)
}

/// setregid(2).
pub fn sys_setregid(a: &Args) -> i64 {
    own_ids(&a[..2], GROUP_ID)
}

/// setresuid(2).
pub fn sys_setresuid(a: &Args) -> i64 {
    own_ids(&a[..3], USER_ID)
}

/// setresgid(2).
pub fn sys_setresgid(a: &Args) -> i64 {
    own_ids(&a[..3], GROUP_ID)
}

const PRIO_PROCESS: u64 = 0;
const PRIO_PGRP: u64 = 1;
const PRIO_USER: u64 = 2;

/// Whether `which` and `who` name the calling process: itself, its group (the run's, which it
/// stands for) or its user; EINVAL for an unknown `which`, ESRCH for anyone else.
fn check_priority_target(which: u64, who: u64) -> Result<(), i64> {
    let who = who as u32 as u64;
    match which {
        PRIO_PROCESS => check_pid(who),
        PRIO_PGRP if who == 0 || who == GROUP_LEADER => Ok(()),
        PRIO_USER if who == 0 || who == USER_ID => Ok(()),
        PRIO_PGRP | PRIO_USER => Err(ESRCH),
        _ => Err(EINVAL),
    }
}

/// getpriority(2): the raw call answers 20 - nice (1 to 40), which libc turns back into nice.
pub fn sys_getpriority(a: &Args) -> i64 {
    result(check_priority_target(a[0], a[1]).map(|_| (20 - process::with_process(|p| p.nice)) as u64))
}

/// setpriority(2): the nice value is kept (clamped to -20..19, as Linux does) and reported, but
/// the one vCPU's scheduler has no priorities. An unprivileged user may only raise it (EACCES).
pub fn sys_setpriority(a: &Args) -> i64 {
    if let Err(errno) = check_priority_target(a[0], a[1]) {
        return -errno;
    }
    let nice = (a[2] as i32).clamp(-20, 19) as i64;
    process::with_process(|p| {
        if nice < p.nice {
            -EACCES
        } else {
            p.nice = nice;
            0
        }
    })
}

/// getpgid(2), getsid(2) of this process: the run's group and session.
pub fn sys_getpgid(a: &Args) -> i64 {
    result(check_pid(a[0]).map(|_| GROUP_LEADER))
}

pub fn sys_getpgrp(_: &Args) -> i64 {
    GROUP_LEADER as i64
}
