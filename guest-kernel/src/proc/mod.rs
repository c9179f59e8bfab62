//! The program's processes and threads: per-program state (`process`), threads and their
//! scheduling (`sched` the logic, `task` the machine side), futexes (`futex`), signals
//! (`sigframe` the layouts and rules, `signal` sending and delivery), loading a program (`elf`,
//! `exec`, `vdso`), and the processes the host makes (`spawn`: identity, fork, execve; `children`: SIGCHLD for their ends). The system
//! calls that use them are in syscalls/.

pub mod children;
pub mod elf;
pub mod exec;
pub mod futex;
pub mod process;
pub mod sched;
pub mod sigframe;

#[cfg(not(test))]
pub mod signal;
#[cfg(not(test))]
pub mod spawn;
#[cfg(not(test))]
pub mod task;
pub mod vdso;
