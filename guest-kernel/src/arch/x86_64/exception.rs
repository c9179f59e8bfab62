//! x86-64 exceptions as Linux reports them: the signal each vector raises, and the bits of a
//! page fault's error code.

use crate::abi::linux::{SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};

/// The invalid-opcode (#UD), general-protection (#GP) and page-fault (#PF) vectors.
pub const INVALID_OPCODE: u64 = 6;
pub const GENERAL_PROTECTION: u64 = 13;
pub const PAGE_FAULT: u64 = 14;
/// The vectors whose IDT gates user mode may use (DPL 3, as Linux has them): #BP for `int3`
/// and `int 3`, #OF for `int 4`. Every other gate has DPL 0, and the IDT ends after vector 31.
pub const USER_GATES: [u64; 2] = [3, 4];
/// The longest x86 instruction, in bytes.
pub const MAX_INSTRUCTION: usize = 15;
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

/// What the first bytes of an instruction are, for [`int_from_user`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoded {
    /// `int N` (opcode 0xcd), `length` bytes with its prefixes.
    Int { vector: u8, length: usize },
    /// Not an `int N`, or one with a LOCK prefix (which raises #UD on every CPU).
    Other,
    /// Only prefixes so far: the instruction goes on beyond the bytes given.
    Incomplete,
}

/// Decodes `code` as far as telling an `int N` apart: legacy prefixes other than LOCK and REX
/// prefixes are allowed before it, as the CPU ignores them there.
pub fn decode_int(code: &[u8]) -> Decoded {
    for at in 0..MAX_INSTRUCTION {
        match code.get(at) {
            None => return Decoded::Incomplete,
            Some(0x26 | 0x2e | 0x36 | 0x3e | 0x64 | 0x65 | 0x66 | 0x67 | 0xf2 | 0xf3 | 0x40..=0x4f) => {}
            Some(0xcd) if at + 2 <= MAX_INSTRUCTION => {
                return match code.get(at + 1) {
                    Some(&vector) => Decoded::Int { vector, length: at + 2 },
                    None => Decoded::Incomplete,
                };
            }
            Some(_) => return Decoded::Other,
        }
    }
    Decoded::Other
}

/// The exception the CPU raises for `int N` in user mode, given this kernel's IDT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raised {
    pub vector: u64,
    pub error_code: u64,
    /// Bytes the saved RIP moves on: the instruction's length for a gate user mode may use (a
    /// trap, which returns after the instruction), 0 for the #GP (a fault, at the instruction).
    pub advance: u64,
}

/// What hardware raises for `int vector` executed in ring 3: through a DPL-3 gate the vector
/// itself; through any other gate, or past the end of the IDT, #GP with the error code that
/// names the IDT entry (vector * 8 + 2: IDT bit set, not external).
///
/// The kernel needs this under PVM, where `int N` (N other than 3 and 4, `int 0x80` included)
/// from user mode reaches it as #UD at the instruction: the program runs in hardware ring 3
/// under the host's IDT, whose #GP PVM hands to KVM's instruction emulator, which does not
/// emulate INT in long mode and raises #UD for a user-mode instruction it cannot emulate.
pub fn int_from_user(vector: u8, length: usize) -> Raised {
    let vector = vector as u64;
    if USER_GATES.contains(&vector) {
        Raised { vector, error_code: 0, advance: length as u64 }
    } else {
        Raised { vector: GENERAL_PROTECTION, error_code: vector << 3 | 2, advance: 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_n_is_found_behind_prefixes_but_not_behind_lock() {
        assert_eq!(decode_int(&[0xcd, 0x80, 0x90]), Decoded::Int { vector: 0x80, length: 2 });
        assert_eq!(decode_int(&[0x66, 0x48, 0x2e, 0xcd, 0x03]), Decoded::Int { vector: 3, length: 5 });
        assert_eq!(decode_int(&[0xf0, 0xcd, 0x80]), Decoded::Other, "LOCK INT is #UD everywhere");
        assert_eq!(decode_int(&[0x0f, 0x0b]), Decoded::Other, "ud2");
        assert_eq!(decode_int(&[0xcc]), Decoded::Other, "int3 never arrives as #UD");
        assert_eq!(decode_int(&[]), Decoded::Incomplete);
        assert_eq!(decode_int(&[0x66, 0xcd]), Decoded::Incomplete, "the vector lies on the next page");
        assert_eq!(decode_int(&[0x66; 14]), Decoded::Incomplete);
        assert_eq!(decode_int(&[0x66; 15]), Decoded::Other, "longer than any instruction");
        let mut longest = [0x66u8; 15];
        longest[13] = 0xcd;
        longest[14] = 0x21;
        assert_eq!(decode_int(&longest), Decoded::Int { vector: 0x21, length: 15 });
        assert_eq!(decode_int(&longest[..14]), Decoded::Incomplete);
        let mut too_long = [0x66u8; 16];
        too_long[14] = 0xcd;
        assert_eq!(decode_int(&too_long), Decoded::Other, "the vector would be a 16th byte");
    }

    #[test]
    fn int_n_raises_what_the_idt_gives_ring_3() {
        assert_eq!(int_from_user(0x80, 2), Raised { vector: 13, error_code: 0x402, advance: 0 });
        assert_eq!(int_from_user(200, 3), Raised { vector: 13, error_code: 200 * 8 + 2, advance: 0 });
        assert_eq!(int_from_user(0, 2), Raised { vector: 13, error_code: 2, advance: 0 });
        assert_eq!(int_from_user(14, 2), Raised { vector: 13, error_code: 0x72, advance: 0 });
        assert_eq!(int_from_user(3, 2), Raised { vector: 3, error_code: 0, advance: 2 });
        assert_eq!(int_from_user(4, 3), Raised { vector: 4, error_code: 0, advance: 3 });
    }

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
