//! System calls: the table saying where each Linux call is served and by which handler
//! (`table`), the way in from the entry code (`dispatch`), and the handlers by area. A handler
//! is thin: it takes the call's arguments apart, calls the mechanism below (mm, host, proc) and
//! turns the outcome into the value or `-errno` the program gets in RAX.

pub mod epoll;
pub mod poll;
pub mod table;

#[cfg(not(test))]
pub mod dispatch;
#[cfg(not(test))]
pub mod fs;
#[cfg(not(test))]
pub mod identity;
#[cfg(not(test))]
pub mod mman;
#[cfg(not(test))]
pub mod net;
#[cfg(not(test))]
pub mod process;
#[cfg(not(test))]
pub mod signal;
#[cfg(not(test))]
pub mod system;
#[cfg(not(test))]
pub mod thread;
#[cfg(not(test))]
pub mod time;

/// A system call's six arguments: RDI, RSI, RDX, R10, R8, R9.
pub type Args = [u64; 6];

/// What a call returns in RAX: its value, or `-errno`.
pub fn result(r: Result<u64, i64>) -> i64 {
    match r {
        Ok(value) => value as i64,
        Err(errno) => -errno,
    }
}

/// `result` for a value that is already signed (a host call's answer).
pub fn or_errno(r: Result<i64, i64>) -> i64 {
    r.unwrap_or_else(|errno| -errno)
}
