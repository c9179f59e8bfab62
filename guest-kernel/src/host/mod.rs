//! The host: the hypercall page and ports (`hypercall`), the I/O buffer forwarded calls stage
//! their data in (`io_buffer`), what the host handed over at boot (`boot_info`, `clock`), the
//! calls the kernel makes for itself (`calls`), the write-back of shared file mappings
//! (`file_mappings`), the end of the run (`exit`, `enosys`) and the
//! kernel log (`log`).

pub mod clock;
pub mod enosys;
pub mod log;

#[cfg(not(test))]
pub mod boot_info;
#[cfg(not(test))]
pub mod calls;
#[cfg(not(test))]
pub mod exit;
#[cfg(not(test))]
pub mod file_mappings;
#[cfg(not(test))]
pub mod forwarded;
#[cfg(not(test))]
pub mod hypercall;
#[cfg(not(test))]
pub mod io_buffer;
