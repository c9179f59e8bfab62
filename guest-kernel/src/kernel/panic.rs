//! The panic handler: a kernel panic ends the run through the PANIC port with its message.

use crate::arch::cell::KernelCell;
use crate::host::hypercall;
use crate::host::log::LineBuffer;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    use core::fmt::Write;
    static LINE: KernelCell<LineBuffer> = KernelCell::new(LineBuffer::new());
    // SAFETY: a panic ends the run; a nested panic while formatting would reuse the buffer,
    // but it only ever appends bytes before the final PANIC exit.
    let line = unsafe { LINE.get() };
    line.clear();
    let _ = write!(line, "{}", info);
    hypercall::panic(line.as_bytes())
}
