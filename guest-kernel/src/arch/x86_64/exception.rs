//! x86-64 exceptions as Linux reports them: the signal each vector raises, and the bits of a
//! page fault's error code.

use crate::abi::linux::{SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};

/// The page-fault vector (#PF).
pub const PAGE_FAULT: u64 = 14;
/// Error code bits of a page fault: a write, an instruction fetch.
pub const PF_WRITE: u64 = 1 << 1;
pub const PF_INSTRUCTION: u64 = 1 << 4;

/// The signal Linux delivers for a user-mode exception.
pub fn signal_for(vector: u64) -> u32 {
    (match vector {
        0 => SIGFPE,             // #DE divide error
        1 | 3 => SIGTRAP,        // #DB, #BP
        4 | 5 => SIGSEGV,        // #OF, #BR
        6 => SIGILL,             // #UD
        7 => SIGFPE,             // #NM (the kernel never sets CR0.TS)
        16 | 19 => SIGFPE,       // #MF, #XM
        11 | 12 => SIGBUS,       // #NP, #SS
        17 => SIGBUS,            // #AC
        _ => SIGSEGV,            // #GP (privileged instructions, bad addresses), #PF, rest
    }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_raise_the_signals_linux_raises() {
        assert_eq!(signal_for(0), SIGFPE as u32);
        assert_eq!(signal_for(3), SIGTRAP as u32);
        assert_eq!(signal_for(6), SIGILL as u32);
        assert_eq!(signal_for(13), SIGSEGV as u32);
        assert_eq!(signal_for(PAGE_FAULT), SIGSEGV as u32);
        assert_eq!(signal_for(17), SIGBUS as u32);
        assert_eq!(signal_for(19), SIGFPE as u32);
    }
}
