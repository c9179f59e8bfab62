//! Kernel logging through the LOG port: `klog!` formats one line into a static buffer.

use core::fmt::{self, Write};

const LINE: usize = 512;

/// A line buffer that truncates instead of failing.
pub struct LineBuffer {
    bytes: [u8; LINE],
    len: usize,
}

impl LineBuffer {
    pub const fn new() -> Self {
        LineBuffer { bytes: [0; LINE], len: 0 }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl Default for LineBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for LineBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(LINE - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[cfg(not(test))]
static mut LOG_LINE: LineBuffer = LineBuffer::new();

/// Formats and sends one log line. Not reentrant: callers are the single vCPU with
/// interrupts off, and the formatting code does not log.
#[cfg(not(test))]
pub fn write_line(args: fmt::Arguments) {
    // SAFETY: one vCPU, interrupts disabled, and nothing called from here logs, so no other
    // reference to LOG_LINE exists while this one lives.
    let line = unsafe { &mut *core::ptr::addr_of_mut!(LOG_LINE) };
    line.clear();
    let _ = line.write_fmt(args);
    crate::host::hypercall::log(line.as_bytes());
}

/// Logs one line to the host (debugging; keep it off hot paths).
#[cfg(not(test))]
macro_rules! klog {
    ($($arg:tt)*) => { $crate::host::log::write_line(format_args!($($arg)*)) };
}

#[cfg(not(test))]
pub(crate) use klog;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_lines() {
        let mut line = LineBuffer::new();
        for _ in 0..100 {
            write!(line, "0123456789").unwrap();
        }
        assert_eq!(line.as_bytes().len(), LINE);
    }
}
