//! Signals, the pure part: flags, default actions, the Linux x86-64 `rt_sigframe`
//! a handler finds on its stack, where that frame goes, and what rt_sigreturn may take back
//! from it. Unit-tested on the host; signal.rs does the machine side (registers, FPU, user
//! memory, the scheduler).

use crate::abi::host::USER_TOP;
use crate::abi::linux::{
    SIGCHLD, SIGCONT, SIGFPE, SIGKILL, SIGSEGV, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH,
};

pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `si_code` values: sent by kill, by tkill/tgkill, by the kernel itself (timers).
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_TKILL: i32 = -6;

/// The mask bit of signal `signal` (1..=NSIG).
pub const fn bit(signal: u64) -> u64 {
    1 << (signal - 1)
}

/// Signals no mask can hold back.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// What a signal without a handler does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Nothing: SIGCHLD, SIGURG, SIGWINCH and SIGCONT; also the stop signals, since a process
    /// cannot be stopped here (there is no job control).
    Ignore,
}

pub fn default_action(signal: u64) -> DefaultAction {
    match signal {
        SIGCHLD | SIGCONT | SIGURG | SIGWINCH | SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Ignore,
        _ => DefaultAction::Terminate,
    }
}

/// The lowest-numbered signal in `set`, as Linux picks among several deliverable ones.
pub fn lowest(set: u64) -> Option<u64> {
    if set == 0 { None } else { Some(set.trailing_zeros() as u64 + 1) }
}

/// `struct sigcontext` (x86-64): the interrupted registers.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// User address of the FXSAVE image (0: none; rt_sigreturn then resets the FPU).
    pub fpstate: u64,
    pub reserved: [u64; 8],
}

/// The kernel's `struct ucontext` (x86-64), its signal mask being the kernel's 8-byte set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UContext {
    pub flags: u64,
    pub link: u64,
    pub stack_base: u64,
    pub stack_flags: u32,
    pub stack_pad: u32,
    pub stack_size: u64,
    pub mcontext: SigContext,
    pub sigmask: u64,
}

/// `siginfo_t` (128 bytes) with the kill/tkill fields.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub pad: i32,
    pub pid: i32,
    pub uid: u32,
    pub rest: [u64; 13],
}

impl SigInfo {
    pub fn new(signo: u64, code: i32, pid: u64, uid: u32) -> Self {
        SigInfo { signo: signo as i32, errno: 0, code, pad: 0, pid: pid as i32, uid, rest: [0; 13] }
    }

    /// A fault's siginfo: `si_addr` takes the place of si_pid and si_uid.
    pub fn fault(signo: u64, code: i32, address: u64) -> Self {
        SigInfo::new(signo, code, address & 0xffff_ffff, (address >> 32) as u32)
    }
}

/// `struct rt_sigframe` (x86-64): what RSP points at when a handler starts. The return
/// address is sa_restorer, whose rt_sigreturn finds the `uc` at RSP.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RtSigFrame {
    pub restorer: u64,
    pub uc: UContext,
    pub info: SigInfo,
}

const _: () = {
    assert!(core::mem::size_of::<SigContext>() == 256);
    assert!(core::mem::size_of::<UContext>() == 304);
    assert!(core::mem::offset_of!(UContext, mcontext) == 40);
    assert!(core::mem::offset_of!(UContext, sigmask) == 296);
    assert!(core::mem::size_of::<SigInfo>() == 128);
    assert!(core::mem::offset_of!(RtSigFrame, info) == 312);
    assert!(core::mem::size_of::<RtSigFrame>() == 440);
};

/// Bytes Linux leaves below the interrupted RSP (the ABI's red zone).
const RED_ZONE: u64 = 128;
/// Size of the FXSAVE image in the frame.
pub const FPU_IMAGE: u64 = 512;
/// uc_stack.ss_flags: the handler runs on the alternate stack / it is disabled.
pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;

/// An alternate signal stack (sigaltstack), when one is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AltStack {
    pub base: u64,
    pub size: u64,
}

impl AltStack {
    pub fn contains(&self, sp: u64) -> bool {
        sp > self.base && sp - self.base <= self.size
    }
}

/// Where a signal frame goes: the addresses of the `RtSigFrame` (the handler's RSP) and of
/// the FXSAVE image above it, and whether it is on the alternate stack. As Linux: below the
/// red zone of `rsp`, or at the top of the alternate stack when the action asks for it and
/// the thread is not already on it; the image 64-byte aligned; RSP + 8 16-byte aligned at the
/// handler's entry, as after a call. None when the addresses would leave user space.
pub fn place_frame(rsp: u64, on_stack: bool, alt: Option<AltStack>) -> Option<(u64, u64, bool)> {
    let switch = on_stack && alt.is_some_and(|alt| !alt.contains(rsp));
    let top = match alt {
        Some(alt) if switch => alt.base.checked_add(alt.size)?,
        _ => rsp.checked_sub(RED_ZONE)?,
    };
    let fpu = top.checked_sub(FPU_IMAGE)? & !63;
    let frame = (fpu.checked_sub(core::mem::size_of::<RtSigFrame>() as u64)? & !15).checked_sub(8)?;
    if frame < crate::abi::host::USER_BOTTOM || top > USER_TOP {
        return None;
    }
    Some((frame, fpu, switch || alt.is_some_and(|alt| alt.contains(rsp))))
}

/// RFLAGS bits a handler's context may change through rt_sigreturn (Linux's FIX_EFLAGS): the
/// arithmetic flags, TF, DF, OF, AC and RF. IF, IOPL and the rest stay the kernel's.
pub const USER_FLAGS: u64 = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x1_0000;

/// The RFLAGS after rt_sigreturn: the user-changeable bits from the frame, the others as
/// they are now.
pub fn restored_flags(current: u64, from_frame: u64) -> u64 {
    (current & !USER_FLAGS) | (from_frame & USER_FLAGS)
}

/// Flags cleared when a handler starts (DF, TF, RF), as Linux does.
pub const HANDLER_CLEARS: u64 = 0x400 | 0x100 | 0x1_0000;

/// Whether rt_sigreturn may resume at `rip` with stack `rsp`: both in user space (an IRETQ to
/// a non-canonical RIP would fault in the kernel).
pub fn resumable(rip: u64, rsp: u64) -> bool {
    rip < USER_TOP && rsp <= USER_TOP
}

/// Whether an MXCSR value from a frame can be loaded (FXRSTOR faults on reserved bits).
pub fn mxcsr_loadable(mxcsr: u32, supported: u32) -> bool {
    mxcsr & !supported == 0
}

/// The `si_code` of a fault: for SIGSEGV whether the page was not mapped (SEGV_MAPERR) or
/// the access not allowed (SEGV_ACCERR, a present page: error code bit 0); for SIGFPE from a
/// divide error FPE_INTDIV; otherwise SI_KERNEL.
pub fn fault_code(signal: u64, vector: u64, error_code: u64) -> i32 {
    const SEGV_MAPERR: i32 = 1;
    const SEGV_ACCERR: i32 = 2;
    const FPE_INTDIV: i32 = 1;
    match (signal, vector) {
        (SIGSEGV, 14) if error_code & 1 != 0 => SEGV_ACCERR,
        (SIGSEGV, 14) => SEGV_MAPERR,
        (SIGFPE, 0) => FPE_INTDIV,
        _ => SI_KERNEL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::linux::{SIGALRM, SIGINT};

    #[test]
    fn a_fault_siginfo_carries_the_address() {
        let info = SigInfo::fault(SIGSEGV, fault_code(SIGSEGV, 14, 4), 0x7eff_1234_5678);
        assert_eq!((info.signo, info.code), (11, 1));
        let address = info.pid as u32 as u64 | (info.uid as u64) << 32;
        assert_eq!(address, 0x7eff_1234_5678);
        assert_eq!(fault_code(SIGSEGV, 14, 5), 2, "a present page: an access error");
        assert_eq!(fault_code(8, 0, 0), 1);
        assert_eq!(fault_code(SIGSEGV, 13, 0), SI_KERNEL);
    }

    #[test]
    fn the_frame_is_linux_shaped_and_aligned_as_after_a_call() {
        let (frame, fpu, on_alt) = place_frame(0x7eff_0000_1234, false, None).unwrap();
        assert_eq!((frame + 8) % 16, 0, "RSP + 8 is 16-byte aligned at the handler's entry");
        assert_eq!(fpu % 64, 0);
        assert!(frame + core::mem::size_of::<RtSigFrame>() as u64 <= fpu);
        assert!(fpu + FPU_IMAGE <= 0x7eff_0000_1234 - RED_ZONE);
        assert!(!on_alt);
    }

    #[test]
    fn the_alternate_stack_is_used_when_asked_and_not_yet_on_it() {
        let alt = AltStack { base: 0x10_0000, size: 0x4000 };
        let (frame, fpu, on_alt) = place_frame(0x7ff0_0000, true, Some(alt)).unwrap();
        assert!(on_alt && alt.contains(frame) && fpu + FPU_IMAGE <= 0x10_4000);
        let (nested, _, on_alt) = place_frame(frame, true, Some(alt)).unwrap();
        assert!(on_alt && nested < frame, "a nested signal goes below the first frame");
        let (ordinary, _, on_alt) = place_frame(0x7ff0_0000, false, Some(alt)).unwrap();
        assert!(!on_alt && ordinary > 0x7fef_0000);
    }

    #[test]
    fn a_stack_at_the_bottom_of_user_space_gets_no_frame() {
        assert_eq!(place_frame(0x800, false, None), None);
        assert_eq!(place_frame(0, false, None), None);
    }

    #[test]
    fn sigreturn_cannot_raise_privilege_or_jump_out_of_user_space() {
        const IF: u64 = 0x200;
        const IOPL3: u64 = 0x3000;
        let flags = restored_flags(IF | 0x2, u64::MAX);
        assert_eq!(flags & IOPL3, 0, "IOPL stays 0");
        assert_ne!(flags & IF, 0, "interrupts stay as they are");
        assert_eq!(flags & 0x1, 1, "the carry flag comes back");
        assert!(restored_flags(IF, 0) & IF != 0);
        assert!(resumable(0x401000, 0x7ff0_0000));
        assert!(!resumable(0xffff_8000_0000_0000, 0x7ff0_0000));
        assert!(!resumable(USER_TOP, 0x1000));
        assert!(mxcsr_loadable(0x1f80, 0xffff));
        assert!(!mxcsr_loadable(0x1_0000, 0xffff));
    }

    #[test]
    fn default_actions_and_the_lowest_signal_first() {
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGWINCH), DefaultAction::Ignore);
        assert_eq!(default_action(SIGSTOP), DefaultAction::Ignore, "nothing is ever stopped");
        assert_eq!(default_action(SIGINT), DefaultAction::Terminate);
        assert_eq!(default_action(SIGALRM), DefaultAction::Terminate);
        assert_eq!(default_action(40), DefaultAction::Terminate);
        assert_eq!(lowest(bit(SIGALRM) | bit(SIGINT)), Some(SIGINT));
        assert_eq!(lowest(bit(64)), Some(64));
        assert_eq!(lowest(0), None);
    }
}
