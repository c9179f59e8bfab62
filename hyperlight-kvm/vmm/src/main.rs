//! The VMM process of the multi-process deployment (docs/architecture.md, "Deployments").
//!
//! It opens the hypervisor device, creates its control ring (a sealed memfd the system process
//! takes with `pidfd_getfd`), confines itself (namespaces, no_new_privs, Landlock, seccomp) and
//! then only executes what the system process asks through the ring: KVM ioctls on the fds it
//! created, guest RAM as a sealed memfd, one thread per vCPU with its own ring. It opens no file,
//! socket or program after confining; the seccomp filter kills it if it tries.
//!
//! `hyperlight-vmm serve DEVICE` serves (for the tests: `serve-malformed DEVICE` answers every
//! request out of range; `serve-garbage KIND RUNS DEVICE` serves well until its RUNS-th KVM_RUN,
//! then answers that one with garbage of KIND, as a VMM process taken over mid-run might);
//! `hyperlight-vmm probe WHAT` confines the same way and then
//! tries WHAT (`open`, `socket`, `execve`, `thread`, `landlock-open`), for the tests that prove the
//! confinement from inside a real VMM process.
//!
//! std only (no crates: the build is offline); the few libc calls are declared below.

use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

unsafe extern "C" {
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn close(fd: c_int) -> c_int;
    fn ioctl(fd: c_int, request: c_ulong, ...) -> c_int;
    fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, off: i64) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
    fn memfd_create(name: *const c_char, flags: c_uint) -> c_int;
    fn ftruncate(fd: c_int, len: i64) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn prctl(option: c_int, ...) -> c_int;
    fn unshare(flags: c_int) -> c_int;
    fn syscall(number: c_long, ...) -> c_long;
    fn sigaction(signal: c_int, action: *const SigAction, old: *mut SigAction) -> c_int;
    fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
    fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
    fn gettid() -> c_int;
    fn getpid() -> c_int;
    fn __errno_location() -> *mut c_int;
}

// The ring: must match dev.hyperlight.nanvix.kvm.VmmRing.
const STATE: usize = 0; // u32 futex word
const OP: usize = 4; // u32
const FD: usize = 8; // i64
const REQUEST: usize = 16; // u64
const VALUE: usize = 24; // u64
const ARG_LEN: usize = 32; // u64
const RESULT: usize = 40; // i64: >= 0, or -errno
const OUT1: usize = 48; // i64
const OUT2: usize = 56; // i64
const IMMEDIATE_EXIT: usize = 64; // u32: the system process's kvm_run.immediate_exit, read at each KVM_RUN
const ARG_OFFSET: usize = 4096;
const ARG_CAPACITY: usize = 192 << 10;
const RUN_OFFSET: usize = ARG_OFFSET + ARG_CAPACITY;
const RUN_CAPACITY: usize = 16 << 10;
const RING_SIZE: usize = RUN_OFFSET + RUN_CAPACITY;

const STATE_REQUEST: u32 = 1;
const STATE_RESPONSE: u32 = 2;

const OP_IOCTL: u32 = 1;
const OP_CREATE_RAM: u32 = 2;
const OP_OPEN_VCPU: u32 = 3;
const OP_RUN: u32 = 4;
const OP_CLOSE: u32 = 5;

const PROTOCOL_VERSION: u32 = 1;

// Linux x86-64.
const O_RDWR: c_int = 2;
const O_RDONLY: c_int = 0;
const O_CLOEXEC: c_int = 0o2000000;
const PROT_RW: c_int = 3;
const MAP_SHARED: c_int = 1;
const MFD_CLOEXEC: c_uint = 1;
const MFD_ALLOW_SEALING: c_uint = 2;
const F_ADD_SEALS: c_int = 1033;
const F_SEAL_SEAL: c_int = 1;
const F_SEAL_SHRINK: c_int = 2;
const F_SEAL_GROW: c_int = 4;
const EBADF: i64 = 9;
const EINVAL: i64 = 22;
const ENOSYS: u32 = 38;
const SIGUSR1: c_int = 10;
const CLONE_NEWUSER: c_int = 0x1000_0000;
const CLONE_NEWNET: c_int = 0x4000_0000;
const CLONE_THREAD: u32 = 0x0001_0000;
const PR_SET_NO_NEW_PRIVS: c_int = 38;
const PR_SET_SECCOMP: c_int = 22;
const SECCOMP_MODE_FILTER: c_long = 2;
const FUTEX_WAIT: c_int = 0;
const FUTEX_WAKE: c_int = 1;

const SYS_FUTEX: c_long = 202;
const SYS_CLOSE_RANGE: c_long = 436;
const SYS_LANDLOCK_CREATE_RULESET: c_long = 444;
const SYS_LANDLOCK_RESTRICT_SELF: c_long = 446;

// KVM requests whose result is a new fd the system process may then use.
const KVM_CREATE_VM: u64 = 0xAE01;
const KVM_CREATE_VCPU: u64 = 0xAE41;
const KVM_RUN: u64 = 0xAE80;
const KVM_SET_USER_MEMORY_REGION: u64 = 0x4020_AE46;
const KVMIO: u32 = 0xAE;

// struct kvm_run offsets (linux/kvm.h, x86-64).
const RUN_IMMEDIATE_EXIT: usize = 1;
const RUN_EXIT_REASON: usize = 8;
const RUN_IO_DIRECTION: usize = 32;
const RUN_IO_SIZE: usize = 33;
const RUN_IO_COUNT: usize = 36;
const RUN_IO_DATA_OFFSET: usize = 40;
const RUN_MMIO_DATA: usize = 40;
const RUN_MMIO_LEN: usize = 48;
const RUN_MMIO_IS_WRITE: usize = 52;
const RUN_VALID_REGS: usize = 288;
const RUN_DIRTY_REGS: usize = 296;
const RUN_SYNC_REGS: usize = 304; // s.regs: struct kvm_regs
const KVM_REGS_SIZE: usize = 144;
const KVM_SYNC_X86_REGS: u64 = 1;
const KVM_EXIT_IO: u32 = 2;
const KVM_EXIT_MMIO: u32 = 6;
const KVM_EXIT_IO_IN: u8 = 0;

#[repr(C)]
struct SigAction {
    handler: usize,
    mask: [u64; 16],
    flags: c_int,
    restorer: usize,
}

fn errno() -> i64 {
    unsafe { *__errno_location() as i64 }
}

/// A shared mapping of a ring (or of any memfd) in this process.
struct Mapping {
    base: *mut u8,
    len: usize,
}

unsafe impl Send for Mapping {}

impl Mapping {
    fn of(fd: c_int, len: usize) -> Result<Mapping, i64> {
        let base = unsafe { mmap(std::ptr::null_mut(), len, PROT_RW, MAP_SHARED, fd, 0) };
        if base as isize == -1 {
            return Err(-errno());
        }
        Ok(Mapping { base: base as *mut u8, len })
    }
    fn u32_at(&self, offset: usize) -> &AtomicU32 {
        assert!(offset + 4 <= self.len && offset % 4 == 0);
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }
    fn get64(&self, offset: usize) -> u64 {
        assert!(offset + 8 <= self.len);
        unsafe { std::ptr::read_volatile(self.base.add(offset) as *const u64) }
    }
    fn set64(&self, offset: usize, value: u64) {
        assert!(offset + 8 <= self.len);
        unsafe { std::ptr::write_volatile(self.base.add(offset) as *mut u64, value) }
    }
    fn byte(&self, offset: usize) -> u8 {
        assert!(offset < self.len);
        unsafe { std::ptr::read_volatile(self.base.add(offset)) }
    }
    fn set_byte(&self, offset: usize, value: u8) {
        assert!(offset < self.len);
        unsafe { std::ptr::write_volatile(self.base.add(offset), value) }
    }
    fn ptr(&self, offset: usize, len: usize) -> *mut u8 {
        assert!(offset <= self.len && len <= self.len - offset);
        unsafe { self.base.add(offset) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        unsafe { munmap(self.base as *mut c_void, self.len) };
    }
}

/// A sealed memfd of `len` bytes: its size can never change, so the system process, which maps
/// it too, cannot be made to fault by a shrink.
fn sealed_memfd(name: &[u8], len: usize) -> Result<c_int, i64> {
    let fd = unsafe { memfd_create(name.as_ptr() as *const c_char, MFD_CLOEXEC | MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(-errno());
    }
    if unsafe { ftruncate(fd, len as i64) } != 0
        || unsafe { fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) } != 0
    {
        let error = -errno();
        unsafe { close(fd) };
        return Err(error);
    }
    Ok(fd)
}

fn futex(word: &AtomicU32, op: c_int, value: u32) {
    unsafe {
        syscall(SYS_FUTEX, word as *const AtomicU32, op, value, std::ptr::null::<c_void>(), 0usize, 0u32);
    }
}

/// How long a ring's thread polls its state word after answering before it sleeps on the futex.
/// The system process usually asks again within microseconds (it decodes the exit and serves a
/// forwarded call); a thread asleep then must be woken on another CPU, which in a VM (a halted
/// vCPU woken by an IPI) cost ~30 us each way here, most of a forwarded call's overhead.
const POLL_AFTER_ANSWER: std::time::Duration = std::time::Duration::from_micros(50);

/// One ring: waits for a request, lets `handle` fill the response, rings back.
fn serve<F: FnMut(&Mapping, u32) -> bool>(ring: &Mapping, mut handle: F) {
    let state = ring.u32_at(STATE);
    let mut poll_until = std::time::Instant::now();
    loop {
        let now = state.load(Ordering::Acquire);
        if now != STATE_REQUEST {
            if std::time::Instant::now() < poll_until {
                std::hint::spin_loop();
            } else {
                futex(state, FUTEX_WAIT, now);
            }
            continue;
        }
        let op = ring.u32_at(OP).load(Ordering::Relaxed);
        let go_on = handle(ring, op);
        state.store(STATE_RESPONSE, Ordering::Release);
        futex(state, FUTEX_WAKE, 1);
        if !go_on {
            return;
        }
        poll_until = std::time::Instant::now() + POLL_AFTER_ANSWER;
    }
}

fn respond(ring: &Mapping, result: i64, out1: i64, out2: i64) {
    ring.set64(RESULT, result as u64);
    ring.set64(OUT1, out1 as u64);
    ring.set64(OUT2, out2 as u64);
}

/// `ioctl(fd, request, ...)` with the ring's argument: a pointer to its argument bytes when it has
/// any, else the integer VALUE. Only KVM requests reach here (the seccomp filter allows no other).
fn forwarded_ioctl(ring: &Mapping, fd: c_int) -> i64 {
    let request = ring.get64(REQUEST);
    let arg_len = ring.get64(ARG_LEN) as usize;
    if (request >> 8) as u32 & 0xff != KVMIO || arg_len > ARG_CAPACITY {
        return -EINVAL;
    }
    let result = if arg_len > 0 {
        unsafe { ioctl(fd, request as c_ulong, ring.ptr(ARG_OFFSET, arg_len)) }
    } else {
        unsafe { ioctl(fd, request as c_ulong, ring.get64(VALUE) as c_ulong) }
    };
    if result < 0 { -errno() } else { result as i64 }
}

/// What the control ring's requests may name: /dev/kvm, the VM and vCPU fds KVM gave us, and
/// each VM's RAM, freed when its VM fd is closed (a process may serve many VMs in turn).
struct Handles {
    fds: Vec<c_int>,
    ram: Vec<Ram>,
}

/// A VM's guest RAM: its memfd and our mapping of it, both let go when the VM is closed.
struct Ram {
    vm_fd: c_int,
    memfd: c_int,
    _mapping: Mapping,
}

impl Drop for Ram {
    fn drop(&mut self) {
        unsafe { close(self.memfd) };
    }
}

impl Handles {
    fn has(&self, fd: i64) -> bool {
        fd >= 0 && fd <= c_int::MAX as i64 && self.fds.contains(&(fd as c_int))
    }
}

fn control(ring: &Mapping, handles: &mut Handles, op: u32) -> bool {
    let fd = ring.get64(FD) as i64;
    match op {
        OP_IOCTL if handles.has(fd) => {
            let request = ring.get64(REQUEST);
            if request == KVM_SET_USER_MEMORY_REGION || request == KVM_RUN {
                respond(ring, -EINVAL, 0, 0); // RAM is CREATE_RAM's, runs are the vCPU rings'
                return true;
            }
            let result = forwarded_ioctl(ring, fd as c_int);
            if result >= 0 && (request == KVM_CREATE_VM || request == KVM_CREATE_VCPU) {
                handles.fds.push(result as c_int);
            }
            respond(ring, result, 0, 0);
        }
        OP_CREATE_RAM if handles.has(fd) => match create_ram(fd as c_int, ring.get64(VALUE) as usize) {
            Ok((memfd, mapping)) => {
                handles.ram.push(Ram { vm_fd: fd as c_int, memfd, _mapping: mapping });
                respond(ring, 0, memfd as i64, 0);
            }
            Err(error) => respond(ring, error, 0, 0),
        },
        OP_OPEN_VCPU if handles.has(fd) => match open_vcpu(fd as c_int, ring.get64(VALUE) as usize, ring.get64(REQUEST)) {
            Ok((ring_fd, tid)) => respond(ring, 0, ring_fd as i64, tid as i64),
            Err(error) => respond(ring, error, 0, 0),
        },
        OP_CLOSE if handles.has(fd) => {
            handles.fds.retain(|&held| held as i64 != fd);
            let result = unsafe { close(fd as c_int) };
            handles.ram.retain(|ram| ram.vm_fd as i64 != fd);
            respond(ring, if result < 0 { -errno() } else { 0 }, 0, 0);
        }
        _ => respond(ring, -EBADF, 0, 0),
    }
    true
}

/// Guest RAM: a sealed memfd mapped shared here and registered as memory slot 0 at GPA 0; the
/// system process maps the same memfd to read and write guest memory.
fn create_ram(vm_fd: c_int, size: usize) -> Result<(c_int, Mapping), i64> {
    if size == 0 || size % 4096 != 0 {
        return Err(-EINVAL);
    }
    let memfd = sealed_memfd(b"hyperlight-guest-ram\0", size)?;
    let mapping = match Mapping::of(memfd, size) {
        Ok(mapping) => mapping,
        Err(error) => {
            unsafe { close(memfd) };
            return Err(error);
        }
    };
    #[repr(C)]
    struct Region {
        slot: u32,
        flags: u32,
        guest_phys_addr: u64,
        memory_size: u64,
        userspace_addr: u64,
    }
    let region = Region { slot: 0, flags: 0, guest_phys_addr: 0, memory_size: size as u64, userspace_addr: mapping.base as u64 };
    if unsafe { ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION as c_ulong, &region as *const Region) } != 0 {
        let error = -errno();
        unsafe { close(memfd) };
        return Err(error);
    }
    Ok((memfd, mapping))
}

/// Maps the vCPU's kvm_run, makes its ring and starts the thread that serves it; returns the
/// ring's fd and the thread's id (the target of the system process's kicks).
fn open_vcpu(vcpu_fd: c_int, run_size: usize, valid_regs: u64) -> Result<(c_int, c_int), i64> {
    if run_size == 0 || run_size > RUN_CAPACITY {
        return Err(-EINVAL);
    }
    let run = Mapping::of(vcpu_fd, run_size)?;
    run.set64(RUN_VALID_REGS, valid_regs);
    run.set64(RUN_DIRTY_REGS, 0);
    let ring_fd = sealed_memfd(b"hyperlight-vcpu-ring\0", RING_SIZE)?;
    let ring = match Mapping::of(ring_fd, RING_SIZE) {
        Ok(ring) => ring,
        Err(error) => {
            unsafe { close(ring_fd) };
            return Err(error);
        }
    };
    let (started, tid) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = started.send(unsafe { gettid() });
        serve(&ring, |ring, op| vcpu_request(ring, vcpu_fd, &run, op));
        drop(ring);
        drop(run);
        unsafe { close(ring_fd) }; // the system process took its own copy at OPEN_VCPU
    });
    let tid = tid.recv().map_err(|_| -EINVAL)?;
    Ok((ring_fd, tid))
}

/// What a `serve-garbage` VMM sends instead of its RUNS-th KVM_RUN's answer (tests only).
#[derive(Clone, Copy)]
enum Garbage {
    /// A KVM_RUN result no kernel returns.
    Result,
    /// An exit reason KVM does not have.
    ExitReason,
    /// A port I/O exit whose data lies outside `kvm_run`.
    IoOutside,
}

/// The KVM_RUN calls of every vCPU of the process, counted for `serve-garbage`.
static RUNS: AtomicU32 = AtomicU32::new(0);

/// Which KVM_RUN (1-based, across the process's vCPUs) gets garbage, and what; none when serving well.
static GARBAGE: std::sync::OnceLock<(Garbage, u32)> = std::sync::OnceLock::new();

/// Replaces the answer to a KVM_RUN in `ring` with garbage of `kind`.
fn send_garbage(ring: &Mapping, kind: Garbage) {
    match kind {
        Garbage::Result => respond(ring, 1 << 40, 0, 0),
        Garbage::ExitReason => ring.u32_at(RUN_OFFSET + RUN_EXIT_REASON).store(0xdead_beef, Ordering::Relaxed),
        Garbage::IoOutside => {
            ring.u32_at(RUN_OFFSET + RUN_EXIT_REASON).store(KVM_EXIT_IO, Ordering::Relaxed);
            ring.set_byte(RUN_OFFSET + RUN_IO_DIRECTION, 1);
            ring.set_byte(RUN_OFFSET + RUN_IO_SIZE, 4);
            ring.u32_at(RUN_OFFSET + RUN_IO_COUNT).store(1, Ordering::Relaxed);
            ring.set64(RUN_OFFSET + RUN_IO_DATA_OFFSET, 1 << 40);
        }
    }
}

fn vcpu_request(ring: &Mapping, vcpu_fd: c_int, run: &Mapping, op: u32) -> bool {
    match op {
        OP_IOCTL if ring.get64(REQUEST) != KVM_RUN => {
            let result = forwarded_ioctl(ring, vcpu_fd);
            respond(ring, result, 0, 0);
        }
        OP_RUN => {
            let immediate = ring.u32_at(IMMEDIATE_EXIT).load(Ordering::Acquire) != 0;
            run.set_byte(RUN_IMMEDIATE_EXIT, immediate as u8);
            // General registers the system process set (its copy of kvm_run, marked dirty): KVM
            // loads them at this KVM_RUN, where it syncs them (valid_regs, from OPEN_VCPU).
            let dirty = ring.get64(RUN_OFFSET + RUN_DIRTY_REGS) & KVM_SYNC_X86_REGS & run.get64(RUN_VALID_REGS);
            if dirty != 0 && RUN_SYNC_REGS + KVM_REGS_SIZE <= run.len {
                unsafe {
                    std::ptr::copy_nonoverlapping(ring.ptr(RUN_OFFSET + RUN_SYNC_REGS, KVM_REGS_SIZE),
                        run.ptr(RUN_SYNC_REGS, KVM_REGS_SIZE), KVM_REGS_SIZE)
                };
                run.set64(RUN_DIRTY_REGS, KVM_SYNC_X86_REGS);
            } else {
                run.set64(RUN_DIRTY_REGS, 0);
            }
            let result = unsafe { ioctl(vcpu_fd, KVM_RUN as c_ulong, 0usize) };
            let result = if result < 0 { -errno() } else { result as i64 };
            if result == 0 {
                fill_reads(run);
            }
            unsafe { std::ptr::copy_nonoverlapping(run.base, ring.ptr(RUN_OFFSET, run.len), run.len) };
            respond(ring, result, 0, 0);
            if let Some(&(kind, at)) = GARBAGE.get() {
                if RUNS.fetch_add(1, Ordering::Relaxed) + 1 == at {
                    send_garbage(ring, kind);
                }
            }
        }
        OP_CLOSE => {
            respond(ring, 0, 0, 0); // the vCPU fd is the control ring's to close (it names it)
            return false;
        }
        _ => respond(ring, -EINVAL, 0, 0),
    }
    true
}

/// What an `in` or MMIO load reads: all ones, like an empty PC bus (as ExitDecoder does in-process).
fn fill_reads(run: &Mapping) {
    let reason = run.u32_at(RUN_EXIT_REASON).load(Ordering::Relaxed);
    if reason == KVM_EXIT_IO && run.byte(RUN_IO_DIRECTION) == KVM_EXIT_IO_IN {
        let size = run.byte(RUN_IO_SIZE) as usize;
        let count = run.u32_at(RUN_IO_COUNT).load(Ordering::Relaxed) as usize;
        let offset = run.get64(RUN_IO_DATA_OFFSET) as usize;
        if let Some(len) = size.checked_mul(count) {
            if offset <= run.len && len <= run.len - offset {
                unsafe { std::ptr::write_bytes(run.ptr(offset, len), 0xff, len) };
            }
        }
    } else if reason == KVM_EXIT_MMIO && run.byte(RUN_MMIO_IS_WRITE) == 0 {
        let len = (run.u32_at(RUN_MMIO_LEN).load(Ordering::Relaxed) as usize).min(8);
        unsafe { std::ptr::write_bytes(run.ptr(RUN_MMIO_DATA, len), 0xff, len) };
    }
}

extern "C" fn on_kick(_signal: c_int) {
    // Nothing: being caught (not ignored, no SA_RESTART) is what makes KVM_RUN return EINTR.
}

fn install_kick_handler() {
    let action = SigAction { handler: on_kick as *const () as usize, mask: [0; 16], flags: 0, restorer: 0 };
    unsafe { sigaction(SIGUSR1, &action, std::ptr::null_mut()) };
}

/// Applies every layer the kernel offers; returns the names of those applied. Seccomp is last
/// and, unlike the others, required: without it the process exits.
fn confine(seccomp: bool) -> Vec<&'static str> {
    let mut applied = Vec::new();
    if unsafe { unshare(CLONE_NEWUSER | CLONE_NEWNET) } == 0 {
        applied.push("userns");
        applied.push("netns");
    } else if unsafe { unshare(CLONE_NEWNET) } == 0 {
        applied.push("netns");
    }
    if unsafe { prctl(PR_SET_NO_NEW_PRIVS, 1 as c_ulong, 0 as c_ulong, 0 as c_ulong, 0 as c_ulong) } != 0 {
        fail("prctl(PR_SET_NO_NEW_PRIVS)");
    }
    applied.push("no_new_privs");
    if let Some(abi) = landlock() {
        applied.push(match abi {
            1..=3 => "landlock-fs",
            4 | 5 => "landlock-fs-net",
            _ => "landlock-fs-net-scoped",
        });
    }
    if seccomp {
        install_seccomp();
        applied.push("seccomp");
    }
    applied
}

/// A Landlock domain that handles every access right the kernel's ABI knows and allows none:
/// no file may be opened, no TCP port bound or connected, no signal or abstract socket reach
/// outside. Returns the ABI version, or None when the kernel has no Landlock.
fn landlock() -> Option<i64> {
    let abi = unsafe { syscall(SYS_LANDLOCK_CREATE_RULESET, std::ptr::null::<c_void>(), 0usize, 1u32) } as i64;
    if abi < 1 {
        return None;
    }
    let fs: u64 = match abi {
        1 => (1 << 13) - 1,
        2 => (1 << 14) - 1,
        3 | 4 => (1 << 15) - 1,
        _ => (1 << 16) - 1,
    };
    let attr: [u64; 3] = [fs, if abi >= 4 { 3 } else { 0 }, if abi >= 6 { 3 } else { 0 }];
    let size = match abi {
        1..=3 => 8usize,
        4 | 5 => 16,
        _ => 24,
    };
    let ruleset = unsafe { syscall(SYS_LANDLOCK_CREATE_RULESET, attr.as_ptr(), size, 0u32) } as c_int;
    if ruleset < 0 {
        return None;
    }
    let restricted = unsafe { syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0u32) };
    unsafe { close(ruleset) };
    if restricted != 0 { None } else { Some(abi) }
}

#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_JSET_K: u16 = 0x45;
const BPF_AND_K: u16 = 0x54;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

/// The calls the serving loop, the allocator and vCPU threads make, and nothing else.
const ALLOWED: &[u32] = &[
    0,   // read
    1,   // write (stderr: a panic's message)
    3,   // close
    9,   // mmap
    10,  // mprotect (thread stack guard)
    11,  // munmap
    12,  // brk
    13,  // rt_sigaction
    14,  // rt_sigprocmask
    15,  // rt_sigreturn (after a kick)
    24,  // sched_yield
    25,  // mremap
    28,  // madvise
    39,  // getpid
    60,  // exit
    72,  // fcntl (memfd seals)
    77,  // ftruncate (memfd size, sealed at once)
    131, // sigaltstack (each thread's stack-overflow handler)
    186, // gettid
    202, // futex (the rings' doorbells)
    204, // sched_getaffinity (the allocator, in a new thread)
    228, // clock_gettime
    231, // exit_group
    234, // tgkill (abort)
    273, // set_robust_list (new thread)
    318, // getrandom (allocator)
    319, // memfd_create (guest RAM, vCPU rings)
    334, // rseq (new thread)
];
const SYS_IOCTL: u32 = 16;
const SYS_CLONE: u32 = 56;
const SYS_CLONE3: u32 = 435;

fn install_seccomp() {
    let stmt = |code, k| SockFilter { code, jt: 0, jf: 0, k };
    let jump = |code, k, jt, jf| SockFilter { code, jt, jf, k };
    let mut program = vec![
        stmt(BPF_LD_W_ABS, 4), // arch
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, 0), // nr
        jump(BPF_JGE_K, 0x4000_0000, 0, 1), // x32 calls
        stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
    ];
    for &nr in ALLOWED {
        program.push(jump(BPF_JEQ_K, nr, 0, 1));
        program.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    }
    // clone3's flags are behind a pointer the filter cannot read: ENOSYS makes glibc use clone.
    program.push(jump(BPF_JEQ_K, SYS_CLONE3, 0, 1));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS));
    // clone only for a thread (no new process): CLONE_THREAD in its flags.
    program.push(jump(BPF_JEQ_K, SYS_CLONE, 0, 4));
    program.push(stmt(BPF_LD_W_ABS, 16)); // args[0], low half
    program.push(jump(BPF_JSET_K, CLONE_THREAD, 0, 1));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS));
    // ioctl only with a KVM request (type 0xAE).
    program.push(jump(BPF_JEQ_K, SYS_IOCTL, 0, 5));
    program.push(stmt(BPF_LD_W_ABS, 24)); // args[1], low half
    program.push(stmt(BPF_AND_K, 0xff00));
    program.push(jump(BPF_JEQ_K, KVMIO << 8, 0, 1));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS));
    program.push(stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS));
    let fprog = SockFprog { len: program.len() as u16, filter: program.as_ptr() };
    if unsafe { prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog as *const SockFprog, 0 as c_ulong, 0 as c_ulong) } != 0 {
        fail("seccomp filter");
    }
}

fn fail(what: &str) -> ! {
    let _ = writeln!(std::io::stderr(), "hyperlight-vmm: {what} failed (errno {})", errno());
    std::process::exit(2);
}

fn close_inherited() {
    // Only 0, 1 and 2 stay: nothing the parent leaked reaches a confined process.
    unsafe { syscall(SYS_CLOSE_RANGE, 3u32, c_uint::MAX, 0u32) };
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    close_inherited();
    install_kick_handler();
    match args.get(1).map(String::as_str) {
        Some("serve") if args.len() == 3 => serve_device(&args[2], false),
        Some("serve-malformed") if args.len() == 3 => serve_device(&args[2], true),
        Some("serve-garbage") if args.len() == 5 => {
            let kind = match args[2].as_str() {
                "result" => Garbage::Result,
                "exit-reason" => Garbage::ExitReason,
                "io-outside" => Garbage::IoOutside,
                _ => fail("garbage kind"),
            };
            let at = args[3].parse::<u32>().ok().filter(|&at| at > 0).unwrap_or_else(|| fail("garbage run"));
            let _ = GARBAGE.set((kind, at));
            serve_device(&args[4], false)
        }
        Some("probe") if args.len() == 3 => probe(&args[2]),
        _ => {
            let _ = writeln!(std::io::stderr(), "usage: hyperlight-vmm serve|serve-malformed DEVICE | serve-garbage result|exit-reason|io-outside RUNS DEVICE | probe open|socket|execve|thread|landlock-open");
            std::process::exit(2);
        }
    }
}

/// Serves `device`; `malformed` (tests only) answers every request with a result no kernel gives,
/// as a compromised VMM might, to show the system process refuses it.
fn serve_device(device: &str, malformed: bool) {
    let path = std::ffi::CString::new(device).unwrap_or_else(|_| fail("device path"));
    let kvm = unsafe { open(path.as_ptr(), O_RDWR | O_CLOEXEC) };
    let kvm = if kvm < 0 { -errno() } else { kvm as i64 };
    let ring_fd = sealed_memfd(b"hyperlight-control-ring\0", RING_SIZE).unwrap_or_else(|_| fail("control ring"));
    let ring = Mapping::of(ring_fd, RING_SIZE).unwrap_or_else(|_| fail("control ring mapping"));
    let applied = confine(true);
    handshake(&format!("ring={ring_fd} kvm={kvm} tid={}", unsafe { gettid() }), &applied);
    let mut handles = Handles { fds: if kvm >= 0 { vec![kvm as c_int] } else { Vec::new() }, ram: Vec::new() };
    serve(&ring, |ring, op| {
        let go_on = control(ring, &mut handles, op);
        if malformed {
            ring.set64(RESULT, 1 << 40);
        }
        go_on
    });
}

/// The one line the system process reads before it takes the ring; then stdin and stdout close.
fn handshake(fields: &str, applied: &[&str]) {
    let line = format!("hyperlight-vmm {PROTOCOL_VERSION} pid={} {fields} confinement={}\n", unsafe { getpid() }, applied.join(","));
    let mut out = std::io::stdout().lock();
    if out.write_all(line.as_bytes()).and_then(|_| out.flush()).is_err() {
        std::process::exit(2);
    }
    unsafe {
        close(0);
        close(1);
    }
}

/// Confines, then tries `what` and says what happened; under seccomp the forbidden calls never
/// return (the process dies of SIGSYS), which is what the tests expect.
fn probe(what: &str) {
    let applied = confine(what != "landlock-open");
    let mut out = std::io::stderr();
    let _ = writeln!(out, "confinement={}", applied.join(","));
    match what {
        "open" | "landlock-open" => {
            let fd = unsafe { open(c"/etc/passwd".as_ptr(), O_RDONLY | O_CLOEXEC) };
            let _ = writeln!(out, "{} errno={}", if fd >= 0 { "escaped" } else { "refused" }, errno());
        }
        "socket" => {
            let fd = unsafe { socket(2, 1, 0) }; // AF_INET, SOCK_STREAM
            let _ = writeln!(out, "{} errno={}", if fd >= 0 { "escaped" } else { "refused" }, errno());
        }
        "execve" => {
            let argv = [c"/bin/true".as_ptr(), std::ptr::null()];
            let envp = [std::ptr::null()];
            unsafe { execve(c"/bin/true".as_ptr(), argv.as_ptr(), envp.as_ptr()) };
            let _ = writeln!(out, "refused errno={}", errno());
        }
        "thread" => {
            let joined = std::thread::spawn(|| unsafe { gettid() }).join();
            let _ = writeln!(out, "{}", if joined.is_ok() { "thread-ok" } else { "thread-failed" });
        }
        _ => fail("probe name"),
    }
}
