//! The machine. x86-64 is the only architecture: `crate::arch::gdt` is
//! `crate::arch::x86_64::gdt`.

pub mod x86_64;

pub use x86_64::*;
