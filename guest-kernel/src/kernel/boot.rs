//! Boot: from the host's entry state to the program's first instruction in ring 3.

use crate::abi::boot::{BootInfo, ProgramStrings};
use crate::abi::start::{StartMessage, START_FD};
use crate::abi::host::{boot_flags, gpa, kva, ABI_VERSION, BOOT_INFO_GPA, HYPERCALL_PAGE_GPA, USER_TOP};
use crate::arch::cpu;
use crate::arch::entry;
use crate::arch::gdt::{self, USER_CS, USER_DS};
use crate::arch::idt;
use crate::arch::trap_frame::TrapFrame;
use crate::host::calls::{read_file_into, read_whole_file};
use crate::host::clock::{self, Clock};
use crate::host::io_buffer::IoBuffer;
use crate::host::{boot_info, forwarded, hypercall};
use crate::mm::frame::FrameAllocator;
use crate::mm::global::with_memory;
use crate::mm::paging::{PageTables, ADDRESS_MASK};
use crate::proc::elf::Executable;
use crate::proc::exec;
use crate::proc::process::with_process;
use crate::proc::spawn;
use crate::proc::vdso;

unsafe extern "C" {
    static __kernel_end: u8;
}

/// The TSC frequency: from the host, else from the hypervisor's CPUID timing leaf.
fn tsc_khz(from_host: u64) -> u64 {
    if from_host != 0 {
        return from_host;
    }
    let (max_hypervisor_leaf, _, _, _) = cpu::cpuid(0x4000_0000, 0);
    if max_hypervisor_leaf >= 0x4000_0010 {
        let (khz, _, _, _) = cpu::cpuid(0x4000_0010, 0);
        if khz != 0 {
            return khz as u64;
        }
    }
    let (base_mhz, _, _, _) = cpu::cpuid(0x16, 0);
    if base_mhz != 0 {
        return base_mhz as u64 * 1000;
    }
    crate::host::log::klog!("TSC frequency unknown: assuming 2 GHz, clocks may drift");
    2_000_000
}

/// The kernel's entry from `_start`, on the kernel stack.
pub extern "C" fn kernel_main(boot_kva: u64, abi_version: u64) -> ! {
    // The ABI fixes the first hypercall page at GPA 0x2000: usable for a panic even if the
    // boot info turns out to be garbage.
    hypercall::init(HYPERCALL_PAGE_GPA);
    gdt::init();
    idt::init();
    entry::init();
    if boot_kva != kva(BOOT_INFO_GPA) || abi_version != ABI_VERSION {
        panic!("entered with boot info {boot_kva:#x} and ABI version {abi_version}, expected {:#x} and {ABI_VERSION}", kva(BOOT_INFO_GPA));
    }
    // SAFETY: the host wrote the boot info at GPA 0x1000, inside RAM and mapped; it is copied
    // out once before anything else reads it.
    let info = unsafe { core::ptr::read_volatile(boot_kva as *const BootInfo) };
    // SAFETY: only the address of the linker symbol is taken.
    let kernel_end = gpa(unsafe { &__kernel_end } as *const u8 as u64);
    if let Err(error) = info.validate(kernel_end) {
        panic!("invalid boot info: {error:?}");
    }
    // SAFETY: boot, single vCPU, before anything reads them: the only writes to the boot info
    // and the clock ever.
    unsafe {
        boot_info::init(info);
        clock::init(Clock::new(cpu::rdtsc(), info.realtime_ns, tsc_khz(info.tsc_khz)));
    }
    hypercall::init(info.hypercall_page);
    hypercall::publish_clock(clock::vvar_gpa());
    hypercall::publish_preempt_entry(crate::arch::entry::syscall_entry_address());
    start_program(&info)
}

fn start_program(info: &BootInfo) -> ! {
    // SAFETY: both ranges were validated against guest RAM and are never written again (the
    // frame allocator hands out only [free_start, free_end), which lies above them).
    let (image, strings) = unsafe {
        (
            core::slice::from_raw_parts(kva(info.program_image) as *const u8, info.program_size as usize),
            core::slice::from_raw_parts(kva(info.strings) as *const u8, info.strings_size as usize),
        )
    };
    let exe = Executable::parse(image).unwrap_or_else(|e| panic!("cannot run the program: {}", e.describe()));
    let hwcap = cpu::cpuid(1, 0).3 as u64;
    let stack_size = info.stack_size.clamp(64 << 10, USER_TOP / 4);
    with_process(|p| p.set_stack_size(stack_size));
    spawn::learn_identity();
    with_memory(|mem, _| {
        let root = cpu::read_cr3() & ADDRESS_MASK;
        mem.init(PageTables::new(root), FrameAllocator::new(info.free_start, info.free_end));
        mem.file_reader = Some(read_file_into);
    });
    let interpreter = match exe.interpreter() {
        Ok(Some(path)) => Some(read_interpreter(path)),
        _ => None,
    };
    let mapped = with_memory(|mem, mmu| {
        exec::map(mem, mmu, &exe, info.program_image, interpreter, hwcap, stack_size, vdso::frames())
    })
    .unwrap_or_else(|error| load_failed(error));
    let loaded = if info.flags & boot_flags::START_MESSAGE != 0 {
        let io = IoBuffer::get();
        let message = io.slice(0, read_start_message(&io));
        let message = StartMessage::parse(message).unwrap_or_else(|e| panic!("malformed start message: {e:?}"));
        // SAFETY: the start point, before the program runs: nothing holds a reading of the clock.
        unsafe { clock::init(clock::get().restarted(cpu::rdtsc(), message.realtime_ns)) };
        with_memory(|mem, mmu| exec::build_stack(mem, mmu, &mapped, &message.strings, message.random))
    } else {
        let strings = ProgramStrings::parse(strings, info.argc, info.envc)
            .unwrap_or_else(|e| panic!("malformed strings block in the boot info: {e:?}"));
        let mut random = [0u8; 16];
        random.copy_from_slice(&info.random[..16]);
        with_memory(|mem, mmu| exec::build_stack(mem, mmu, &mapped, &strings, random))
    }
    .unwrap_or_else(|error| load_failed(error));
    let frame = TrapFrame {
        rip: loaded.entry,
        cs: USER_CS as u64,
        // IF set as on Linux (and PVM runs user mode with IF=1 anyway); no interrupt source
        // exists, the host enforces time limits from outside.
        rflags: 0x202,
        rsp: loaded.stack_pointer,
        ss: USER_DS as u64,
        ..TrapFrame::default()
    };
    entry::enter_user(&frame)
}

fn load_failed(error: exec::LoadError) -> ! {
    match error {
        exec::LoadError::Errno(errno) => {
            panic!("cannot load the program: errno {errno} (out of memory or arguments too large)")
        }
        exec::LoadError::BadInterpreter(e) => panic!("cannot load the program's interpreter: {}", e.describe()),
    }
}

/// The start point of a warm start's template: reads the start message whole from `START_FD`
/// into the I/O buffer, returning its length (the host stops the template's VM at the first of these reads; each
/// clone answers it with its own message), then closes the fd so that the program finds it
/// free. The message lives in the I/O buffer until the stack is built: nothing forwards a call
/// before the program runs.
fn read_start_message(io: &IoBuffer) -> usize {
    let mut length = 0;
    loop {
        if length == io.len {
            panic!("the start message is longer than the I/O buffer ({} bytes)", io.len);
        }
        let read = hypercall::call(forwarded::READ, [START_FD, io.at(length), (io.len - length) as u64, 0, 0, 0]);
        match read {
            0 => break,
            // The host never answers more than it was asked for; the bound is checked all the same.
            1.. => length += (read as usize).min(io.len - length),
            _ => panic!("cannot read the start message: errno {}", -read),
        }
    }
    hypercall::call(forwarded::CLOSE, [START_FD, 0, 0, 0, 0, 0]);
    length
}

/// Reads the program's interpreter (the dynamic loader) whole from the guest file system.
fn read_interpreter(path: &[u8]) -> exec::Interpreter<'static> {
    let name = core::str::from_utf8(path).unwrap_or("(not UTF-8)");
    let (gpa, size) = read_whole_file(path).unwrap_or_else(|errno| {
        panic!("cannot read the program's interpreter {name}: errno {errno} (is a runtime image with it mounted at /?)")
    });
    // SAFETY: frames carved off guest RAM for good, filled by the host, never written again.
    let bytes = unsafe { core::slice::from_raw_parts(kva(gpa) as *const u8, size as usize) };
    exec::Interpreter { bytes, gpa }
}
