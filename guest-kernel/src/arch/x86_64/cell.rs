//! Global kernel state without locks: sound because the kernel runs on one vCPU with
//! interrupts disabled, so code never races with itself.

use core::cell::UnsafeCell;

pub struct KernelCell<T>(UnsafeCell<T>);

// SAFETY: one vCPU, interrupts off: no two contexts ever run kernel code at the same time.
unsafe impl<T> Sync for KernelCell<T> {}

impl<T> KernelCell<T> {
    pub const fn new(value: T) -> Self {
        KernelCell(UnsafeCell::new(value))
    }

    /// Mutable access to the value.
    ///
    /// # Safety
    /// The caller must not let the returned reference overlap another reference obtained from
    /// the same cell (keep borrows short, never across a trap that may touch the same cell).
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get(&self) -> &mut T {
        // SAFETY: exclusivity is the caller's obligation (see above).
        unsafe { &mut *self.0.get() }
    }

    pub fn as_ptr(&self) -> *mut T {
        self.0.get()
    }
}
