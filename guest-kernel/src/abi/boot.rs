//! The boot info block the host leaves at GPA 0x1000, and the strings block it points to.

use crate::abi::host::{boot_flags, ABI_VERSION, BOOT_MAGIC, KERNEL_BASE, PAGE_SIZE};

/// Boot info, exactly as laid out in docs/guest-abi.md (all fields `u64`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BootInfo {
    pub magic: u64,
    pub abi_version: u64,
    pub kernel_base: u64,
    pub memory_size: u64,
    pub free_start: u64,
    pub free_end: u64,
    pub hypercall_page: u64,
    pub io_buffer: u64,
    pub io_buffer_size: u64,
    pub program_image: u64,
    pub program_size: u64,
    pub strings: u64,
    pub strings_size: u64,
    pub argc: u64,
    pub envc: u64,
    pub realtime_ns: u64,
    pub tsc_khz: u64,
    pub random: [u8; 32],
    pub stack_size: u64,
    /// `boot_flags` bits.
    pub flags: u64,
    /// One bit per call number below `FAST_CALL_LIMIT`: the calls the host serves straight from
    /// the system-call door (bit `n % 64` of word `n / 64`).
    pub fast_calls: [u64; 8],
}

const _: () = assert!(core::mem::size_of::<BootInfo>() == 248);

/// Why the boot info cannot be trusted.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum BootError {
    BadMagic,
    BadVersion,
    BadKernelBase,
    UnknownFlags(u64),
    RangeOutsideRam(&'static str),
    Unaligned(&'static str),
    Strings(StringsError),
}

impl BootInfo {
    /// Checks every range against guest RAM, so the kernel never trusts a stray address.
    pub fn validate(&self, kernel_end_gpa: u64) -> Result<(), BootError> {
        if self.magic != BOOT_MAGIC {
            return Err(BootError::BadMagic);
        }
        if self.abi_version != ABI_VERSION {
            return Err(BootError::BadVersion);
        }
        if self.kernel_base != KERNEL_BASE {
            return Err(BootError::BadKernelBase);
        }
        let ram = self.memory_size;
        let within = |start: u64, len: u64| start.checked_add(len).is_some_and(|end| end <= ram);
        let ranges = [
            ("free range", self.free_start, self.free_end.wrapping_sub(self.free_start)),
            ("hypercall page", self.hypercall_page, PAGE_SIZE),
            ("I/O buffer", self.io_buffer, self.io_buffer_size),
            ("program image", self.program_image, self.program_size),
            ("strings", self.strings, self.strings_size),
        ];
        for (name, start, len) in ranges {
            if !within(start, len) {
                return Err(BootError::RangeOutsideRam(name));
            }
        }
        if self.free_end < self.free_start || self.free_start < kernel_end_gpa {
            return Err(BootError::RangeOutsideRam("free range"));
        }
        for (name, value) in [
            ("free_start", self.free_start),
            ("free_end", self.free_end),
            ("hypercall_page", self.hypercall_page),
            ("io_buffer", self.io_buffer),
            ("io_buffer_size", self.io_buffer_size),
            ("stack_size", self.stack_size),
        ] {
            if value % PAGE_SIZE != 0 {
                return Err(BootError::Unaligned(name));
            }
        }
        if self.io_buffer_size < PAGE_SIZE {
            return Err(BootError::RangeOutsideRam("I/O buffer"));
        }
        if self.flags & !boot_flags::START_MESSAGE != 0 {
            return Err(BootError::UnknownFlags(self.flags));
        }
        Ok(())
    }
}

/// Why the strings block does not hold `1 + argc + envc` NUL-terminated strings.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum StringsError {
    TooFewStrings,
    TrailingBytes,
    TooManyStrings,
}

/// The exec path, argv and envp, each a slice of the strings block without its NUL.
pub struct ProgramStrings<'a> {
    pub exec_path: &'a [u8],
    block: &'a [u8],
    argv_start: usize,
    envp_start: usize,
    pub argc: usize,
    pub envc: usize,
}

/// Upper bound on argc + envc, as Linux bounds argv/envp by size: keeps the stack sane.
pub const MAX_STRINGS: u64 = 1 << 16;

impl<'a> ProgramStrings<'a> {
    /// Splits `block` into `1 + argc + envc` strings; every byte must belong to one of them.
    pub fn parse(block: &'a [u8], argc: u64, envc: u64) -> Result<Self, StringsError> {
        if argc.saturating_add(envc) > MAX_STRINGS {
            return Err(StringsError::TooManyStrings);
        }
        let (argc, envc) = (argc as usize, envc as usize);
        // End offset (one past the NUL) of the next `count` strings starting at `offset`.
        let skip = |mut offset: usize, count: usize| -> Result<usize, StringsError> {
            for _ in 0..count {
                let len = block[offset..].iter().position(|&b| b == 0).ok_or(StringsError::TooFewStrings)?;
                offset += len + 1;
            }
            Ok(offset)
        };
        let argv_start = skip(0, 1)?;
        let envp_start = skip(argv_start, argc)?;
        let end = skip(envp_start, envc)?;
        if end != block.len() {
            return Err(StringsError::TrailingBytes);
        }
        Ok(ProgramStrings { exec_path: &block[..argv_start - 1], block, argv_start, envp_start, argc, envc })
    }

    /// argv strings, in order, without their NULs.
    pub fn argv(&self) -> StringIter<'a> {
        StringIter { rest: &self.block[self.argv_start..self.envp_start], left: self.argc }
    }

    /// envp strings, in order, without their NULs.
    pub fn envp(&self) -> StringIter<'a> {
        StringIter { rest: &self.block[self.envp_start..], left: self.envc }
    }
}

/// Walks NUL-terminated strings back to back.
pub struct StringIter<'a> {
    rest: &'a [u8],
    left: usize,
}

impl<'a> Iterator for StringIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let len = self.rest.iter().position(|&b| b == 0)?;
        let s = &self.rest[..len];
        self.rest = &self.rest[len + 1..];
        self.left -= 1;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> BootInfo {
        BootInfo {
            magic: BOOT_MAGIC,
            abi_version: ABI_VERSION,
            kernel_base: KERNEL_BASE,
            memory_size: 64 << 20,
            free_start: 8 << 20,
            free_end: 64 << 20,
            hypercall_page: 0x2000,
            io_buffer: 0x10_0000,
            io_buffer_size: 0x10_0000,
            program_image: 0x40_0000,
            program_size: 1000,
            strings: 0x50_0000,
            strings_size: 10,
            argc: 0,
            envc: 0,
            stack_size: 8 << 20,
            ..Default::default()
        }
    }

    #[test]
    fn accepts_a_consistent_block() {
        assert_eq!(valid().validate(0x40_0000), Ok(()));
    }

    #[test]
    fn rejects_wrong_magic_version_and_ranges() {
        assert_eq!(BootInfo { magic: 1, ..valid() }.validate(0), Err(BootError::BadMagic));
        assert_eq!(BootInfo { abi_version: ABI_VERSION + 1, ..valid() }.validate(0), Err(BootError::BadVersion));
        assert_eq!(
            BootInfo { program_size: 64 << 20, ..valid() }.validate(0),
            Err(BootError::RangeOutsideRam("program image"))
        );
        assert_eq!(
            BootInfo { strings: u64::MAX - 2, ..valid() }.validate(0),
            Err(BootError::RangeOutsideRam("strings"))
        );
        assert_eq!(
            BootInfo { free_start: 8 << 20, ..valid() }.validate(9 << 20),
            Err(BootError::RangeOutsideRam("free range"))
        );
        assert_eq!(BootInfo { stack_size: 100, ..valid() }.validate(0), Err(BootError::Unaligned("stack_size")));
        assert_eq!(BootInfo { flags: boot_flags::START_MESSAGE, ..valid() }.validate(0x40_0000), Ok(()));
        assert_eq!(BootInfo { flags: 6, ..valid() }.validate(0x40_0000), Err(BootError::UnknownFlags(6)));
    }

    #[test]
    fn splits_exec_path_argv_and_envp() {
        let block = b"/bin/prog\0prog\0-v\0HOME=/\0";
        let s = ProgramStrings::parse(block, 2, 1).unwrap();
        assert_eq!(s.exec_path, b"/bin/prog");
        assert_eq!(s.argv().collect::<Vec<_>>(), vec![&b"prog"[..], &b"-v"[..]]);
        assert_eq!(s.envp().collect::<Vec<_>>(), vec![&b"HOME=/"[..]]);
    }

    #[test]
    fn handles_empty_argv_and_envp() {
        let s = ProgramStrings::parse(b"/p\0", 0, 0).unwrap();
        assert_eq!(s.exec_path, b"/p");
        assert_eq!(s.argv().count(), 0);
        assert_eq!(s.envp().count(), 0);
        let s = ProgramStrings::parse(b"/p\0E=1\0", 0, 1).unwrap();
        assert_eq!(s.envp().collect::<Vec<_>>(), vec![&b"E=1"[..]]);
    }

    #[test]
    fn rejects_missing_or_extra_strings() {
        assert_eq!(ProgramStrings::parse(b"/p\0a", 1, 0).err(), Some(StringsError::TooFewStrings));
        assert_eq!(ProgramStrings::parse(b"/p\0a\0b\0", 1, 0).err(), Some(StringsError::TrailingBytes));
        assert_eq!(ProgramStrings::parse(b"", 0, 0).err(), Some(StringsError::TooFewStrings));
        assert_eq!(ProgramStrings::parse(b"/p\0", u64::MAX, 1).err(), Some(StringsError::TooManyStrings));
    }
}
