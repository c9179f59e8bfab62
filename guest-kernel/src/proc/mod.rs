//! The program's processes and threads: per-program state (`process`), threads and their
//! scheduling (`sched` the logic, `task` the machine side), signals
//! (`sigframe` the layouts and rules, `signal` the delivery), loading a program (`elf`,
//! `exec`), and the processes the host makes (`spawn`: fork, execve).

pub mod elf;
pub mod exec;
pub mod process;
pub mod sched;
pub mod sigframe;

#[cfg(not(test))]
pub mod signal;
#[cfg(not(test))]
pub mod spawn;
#[cfg(not(test))]
pub mod task;
