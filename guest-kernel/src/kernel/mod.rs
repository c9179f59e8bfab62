//! The top of the kernel: its entry points from outside, which tie the layers below together
//! and which nothing imports. `boot` is entered from `_start` (main.rs), `trap` from the entry
//! code (arch/x86_64/entry.rs) for every exception, and `panic` on a kernel panic.

pub mod boot;
pub mod panic;
pub mod trap;
