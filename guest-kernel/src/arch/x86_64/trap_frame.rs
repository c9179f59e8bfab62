//! The saved user context as the entry code lays it out on the kernel stack, and the FXSAVE
//! image: plain data, shared by the entry code, the system calls and the thread switch.

/// Registers of the interrupted context, in the order the entry code pushes them.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct TrapFrame {
    // The six system call arguments first and in ABI order, so that `syscall_args` can hand
    // the handlers a view into the frame instead of a copy: under PVM's emulation of the
    // kernel each memory access costs microseconds.
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub r10: u64,
    pub r8: u64,
    pub r9: u64,
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rbp: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    /// Exception vector, or `SYSCALL_VECTOR`.
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

impl TrapFrame {
    /// All registers zero (a thread slot before it is used).
    pub const ZERO: TrapFrame = TrapFrame {
        rdi: 0, rsi: 0, rdx: 0, r10: 0, r8: 0, r9: 0, rax: 0, rbx: 0, rcx: 0, rbp: 0, r11: 0, r12: 0, r13: 0,
        r14: 0, r15: 0, vector: 0, error_code: 0, rip: 0, cs: 0, rflags: 0, rsp: 0, ss: 0,
    };

    pub fn from_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// The system call arguments (RDI, RSI, RDX, R10, R8, R9), read in place.
    pub fn syscall_args(&self) -> &[u64; 6] {
        const _: () = assert!(core::mem::offset_of!(TrapFrame, r9) == 5 * 8);
        // SAFETY: the frame is repr(C) and starts with these six u64 fields in this order
        // (checked above), so they form a [u64; 6] that lives as long as `self`.
        unsafe { &*(&self.rdi as *const u64 as *const [u64; 6]) }
    }
}

/// What the lean system call path saves (see `page_fault_entry`), lowest address first: the
/// arguments, RAX, then the CPU's exception frame.
#[repr(C)]
pub struct LeanFrame {
    pub args: [u64; 6],
    pub rax: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// The `vector` of a frame built by the SYSCALL entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

/// An FXSAVE image.
#[repr(C, align(16))]
pub struct FxArea(pub [u8; 512]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_call_arguments_are_the_first_six_registers_in_abi_order() {
        let frame = TrapFrame { rdi: 1, rsi: 2, rdx: 3, r10: 4, r8: 5, r9: 6, rax: 7, rcx: 8, ..TrapFrame::ZERO };
        assert_eq!(frame.syscall_args(), &[1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn user_mode_is_a_code_selector_with_rpl_3() {
        assert!(TrapFrame { cs: 0x33, ..TrapFrame::ZERO }.from_user());
        assert!(!TrapFrame { cs: 0x10, ..TrapFrame::ZERO }.from_user());
    }

    #[test]
    fn the_lean_frame_is_the_arguments_rax_then_the_cpu_words() {
        // Seven pushes (the arguments and RAX) after the six words of the CPU (with the error code).
        assert_eq!(core::mem::size_of::<LeanFrame>(), 13 * 8);
        assert_eq!(core::mem::offset_of!(LeanFrame, rax), 6 * 8);
        assert_eq!(core::mem::size_of::<FxArea>(), 512);
        assert_eq!(core::mem::align_of::<FxArea>(), 16);
    }
}
