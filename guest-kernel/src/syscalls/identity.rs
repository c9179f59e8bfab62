//! Who the program is: pids, user and group ids, the process group and session. The program
//! runs as one fixed user and group (proc/process.rs); the pids come from the host
//! (proc/spawn.rs).

use crate::abi::errno::{EPERM, ESRCH};
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

/// getpgid(2), getsid(2) of this process: the run's group and session.
pub fn sys_getpgid(a: &Args) -> i64 {
    result(check_pid(a[0]).map(|_| GROUP_LEADER))
}

pub fn sys_getpgrp(_: &Args) -> i64 {
    GROUP_LEADER as i64
}
