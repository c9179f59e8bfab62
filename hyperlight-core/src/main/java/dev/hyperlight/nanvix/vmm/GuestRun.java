package dev.hyperlight.nanvix.vmm;

import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.loader.GuestAbi;
import dev.hyperlight.nanvix.memory.BadGuestAddressException;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.UserPageFault;
import dev.hyperlight.nanvix.syscall.AuditFailedException;
import dev.hyperlight.nanvix.syscall.FastCalls;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.vmm.x86.ExceptionVector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The run loop of one vCPU: runs it, decodes each exit, serves hypercalls through the {@link
 * IoChannel}, and turns the way the guest ended into a {@link GuestEnd}. This is where a VM
 * exit is decided; nothing here trusts a value read from the guest without checking it.
 */
final class GuestRun {

    /** Longest ENOSYS table the host reads (entries of u32 nr, u32 count). */
    private static final long MAX_ENOSYS_ENTRIES = 512;
    private static final int USER_MODE = 3;
    private static final int SIGSEGV = 11;
    /** {@code out imm8, al}. */
    private static final long DOOR_OUT_LENGTH = 2;
    /**
     * RFLAGS bits a program may set and SYSCALL's return restores from R11: CF, PF, AF, ZF, SF, TF,
     * DF, OF, AC, ID (never IOPL, NT, RF, VM or IF, which stays set).
     */
    private static final long USER_FLAGS = 0x0024_0dd5L;
    /** Bit 1 (always one) and IF. */
    private static final long FLAGS_ALWAYS = 0x202;
    /** How long a thread runs before the host preempts it, while the guest asks for preemption. */
    static final long TIME_SLICE_MILLIS = 10;
    /** One daemon thread nudges every vCPU whose guest asks for preemption, at each time slice. */
    private static final ScheduledExecutorService TICKS = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hyperlight-preemption-ticks").factory());

    /**
     * The outcome of the loop: how it ended, which calls the kernel did not know, and whether the
     * guest kernel said it refused memory to the program (its word: it only describes this run).
     */
    record Outcome(GuestEnd end, Map<Integer, Integer> unsupportedSyscalls, boolean memoryLimitReached) {

        Outcome(GuestEnd end) {
            this(end, Map.of(), false);
        }
    }

    /** An execve replaced the image: the process goes on in a new VM (no termination). */
    static final Outcome REPLACED = new Outcome(null);
    /**
     * The guest asked for its start message ({@link #startPoint}): the vCPU is stopped inside that
     * hypercall, unanswered, for a {@link Template} to capture.
     */
    static final Outcome AT_START_POINT = new Outcome(null);

    private final VirtualCpu vcpu;
    private final GuestMemory memory;
    private final HypercallPage page;
    private final IoChannel io;
    private final RunLog log;
    private final BooleanSupplier replaced;
    private final OptionalInt startPoint;
    /** The guest's last word on the PREEMPT port: more than one of its threads can run. */
    private volatile boolean preemptionWanted;
    /** The ticks of this run, from the first time its guest asked for preemption. */
    private ScheduledFuture<?> ticks;

    /**
     * @param replaced whether the last hypercall (a successful execve) replaced the image
     * @param startPoint when preparing a {@link Template}: the fd whose first {@code read} is where
     *     the loop stops ({@link #AT_START_POINT}) instead of serving it
     */
    GuestRun(VirtualCpu vcpu, GuestMemory memory, long hypercallPage, IoChannel io, RunLog log,
            BooleanSupplier replaced, OptionalInt startPoint) {
        this.vcpu = vcpu;
        this.memory = memory;
        this.page = new HypercallPage(memory, hypercallPage);
        this.io = io;
        this.log = log;
        this.replaced = replaced;
        this.startPoint = startPoint;
    }

    /**
     * Runs until the guest ends.
     *
     * @param stopReason after an interruption, why the host stopped the vCPU (a time limit, a
     *     cancel)
     * @param pendingHypercall whether the vCPU is stopped inside a hypercall not answered yet (a
     *     clone of a {@link Template}): it is served first
     */
    Outcome run(Supplier<GuestEnd> stopReason, boolean pendingHypercall) throws HypervisorException {
        try {
            return runUntilEnd(stopReason, pendingHypercall);
        } finally {
            if (ticks != null) {
                ticks.cancel(false);
            }
        }
    }

    private Outcome runUntilEnd(Supplier<GuestEnd> stopReason, boolean pendingHypercall) throws HypervisorException {
        if (pendingHypercall) {
            Outcome outcome = serveHypercall();
            if (outcome != null) {
                return outcome;
            }
        }
        while (true) {
            VmExit exit = vcpu.run();
            Outcome outcome = switch (exit) {
                case VmExit.IoOut out when out.privilegeLevel() == USER_MODE && out.port() == GuestAbi.PORT_SYSCALL
                        && out.size() == 1 -> door();
                case VmExit.IoOut out when out.privilegeLevel() == USER_MODE -> userPortAccess(out.port());
                case VmExit.IoIn in when in.privilegeLevel() == USER_MODE -> userPortAccess(in.port());
                case VmExit.IoOut out -> onPort(out);
                case VmExit.Interrupted ignored -> stopped(Objects.requireNonNullElse(stopReason.get(),
                        new GuestEnd.VmFailed("the vCPU was interrupted")));
                case VmExit.Nudged ignored -> preempt();
                case VmExit.IoIn in -> failed("guest kernel read from port 0x" + Integer.toHexString(in.port()));
                case VmExit.Mmio mmio -> failed("guest accessed guest-physical address 0x"
                        + Long.toHexString(mmio.address()) + ", which is not RAM");
                case VmExit.Halt ignored -> failed("guest kernel halted");
                case VmExit.Shutdown ignored -> failed("triple fault");
                case VmExit.FailEntry entry -> failed("the hypervisor refused to enter the guest (reason 0x"
                        + Long.toHexString(entry.reason()) + ")");
                case VmExit.InternalError error -> failed("hypervisor internal error " + error.suberror());
                case VmExit.Unknown unknown -> failed("unexpected VM exit " + unknown.reason());
            };
            if (outcome != null) {
                return outcome;
            }
        }
    }

    /** Serves one port write of the guest kernel; null means "keep running". */
    private Outcome onPort(VmExit.IoOut out) {
        try {
            return switch (out.port()) {
                case GuestAbi.PORT_HYPERCALL -> serveHypercall();
                case GuestAbi.PORT_EXIT -> new Outcome(new GuestEnd.Exited((int) (out.value() & 0xff)),
                        unsupportedSyscalls(), memoryLimitReached());
                // The FAULT page holds the fault record, not the ENOSYS table.
                case GuestAbi.PORT_FAULT -> new Outcome(fault((int) (out.value() & 0x7f)), Map.of(),
                        memoryLimitReached());
                case GuestAbi.PORT_PREEMPT -> {
                    askedForPreemption((out.value() & 1) != 0);
                    yield null;
                }
                case GuestAbi.PORT_LOG -> {
                    log.guest(page.message());
                    yield null;
                }
                case GuestAbi.PORT_PANIC -> failed("guest kernel panic: " + page.message());
                default -> failed("guest kernel wrote to unknown port 0x" + Integer.toHexString(out.port()));
            };
        } catch (BadGuestAddressException e) {
            return failed("guest kernel passed a bad address: " + e.getMessage());
        } catch (AuditFailedException e) {
            // Fail closed: the guest never sees the result of a call the audit does not hold.
            log.host("audit failed: " + e.getMessage());
            return new Outcome(new GuestEnd.AuditFailed(e.getMessage()));
        }
    }

    /** Serves the hypercall the vCPU is stopped in; null means "keep running". */
    private Outcome serveHypercall() {
        try {
            SyscallRequest request = page.request();
            if (atStartPoint(request)) {
                return AT_START_POINT;
            }
            try {
                page.setResult(io.call(request, page.cr3()));
            } catch (UserPageFault fault) {
                page.setUserFault(fault);
            }
            return replaced.getAsBoolean() ? REPLACED : null;
        } catch (BadGuestAddressException e) {
            return failed("guest kernel passed a bad address: " + e.getMessage());
        } catch (AuditFailedException e) {
            // Fail closed: the guest never sees the result of a call the audit does not hold.
            log.host("audit failed: " + e.getMessage());
            return new Outcome(new GuestEnd.AuditFailed(e.getMessage()));
        }
    }

    /**
     * The program's SYSCALL reached the host through the system-call door (docs/guest-abi.md, "The
     * system-call door"): a user-mode {@code out} that counts only at the door's address. A fast
     * call ({@link FastCalls}) with arguments the host can serve alone runs through the same
     * {@link IoChannel} as every forwarded call, and the program resumes after its SYSCALL with the
     * result in RAX, as the kernel's IRETQ would resume it. Anything else (another call, a range not
     * mapped yet, a return address outside user space) changes nothing: the door goes on into the
     * guest kernel, which serves the call as before. Null means "keep running".
     */
    private Outcome door() throws HypervisorException {
        Registers registers = vcpu.exitRegisters();
        long out = GuestAbi.DOOR_VA + GuestAbi.DOOR_OUT_OFFSET;
        // At the `out` (hardware KVM completes it at the next entry) or past it (PVM, mshv).
        if (registers.rip() != out && registers.rip() != out + DOOR_OUT_LENGTH) {
            return userPortAccess(GuestAbi.PORT_SYSCALL);
        }
        // RCX: where SYSCALL returns to; one outside user space is left to the kernel's IRETQ.
        long returnTo = registers.rcx();
        if (returnTo < GuestAbi.USER_BOTTOM || returnTo >= GuestAbi.USER_TOP) {
            return null;
        }
        FastCalls.Decision decision;
        try {
            decision = FastCalls.decide(registers.rax(), registers.rdi(), registers.rsi(),
                    registers.rdx(), registers.r10(), registers.r8(), registers.r9(), io.program(vcpu.exitCr3()));
        } catch (UserPageFault | BadGuestAddressException notServed) {
            return null; // the door's page not readable through these tables: the kernel serves the call
        }
        long result;
        switch (decision) {
            case FastCalls.Decision.NotRun ignored -> {
                return null;
            }
            case FastCalls.Decision.Answer answer -> result = answer.result();
            case FastCalls.Decision.Forward forward when atStartPoint(forward.request()) -> {
                return null; // a template stops inside the kernel's hypercall of that read (serveHypercall)
            }
            case FastCalls.Decision.Forward forward -> {
                try {
                    result = io.call(forward.request(), forward.userAddresses() ? vcpu.exitCr3() : 0);
                } catch (UserPageFault | BadGuestAddressException notServed) {
                    return null; // the kernel maps the range first (or reports the bad address) as before
                } catch (AuditFailedException e) {
                    log.host("audit failed: " + e.getMessage());
                    return new Outcome(new GuestEnd.AuditFailed(e.getMessage()));
                }
            }
        }
        vcpu.resumeWith(new Registers(result, registers.rbx(), registers.rcx(), registers.rdx(),
                registers.rsi(), registers.rdi(), registers.rsp(), registers.rbp(),
                registers.r8(), registers.r9(), registers.r10(), registers.r11(),
                registers.r12(), registers.r13(), registers.r14(), registers.r15(),
                returnTo, (registers.r11() & USER_FLAGS) | FLAGS_ALWAYS));
        return null;
    }

    /**
     * The guest asks to be preempted every time slice (more than one of its threads can run, or an
     * alarm is armed), or no longer: the ticks start the first time and then only look at the word.
     */
    private void askedForPreemption(boolean wanted) {
        preemptionWanted = wanted;
        if (wanted && ticks == null) {
            ticks = TICKS.scheduleAtFixedRate(() -> {
                if (preemptionWanted) {
                    vcpu.nudge();
                }
            }, TIME_SLICE_MILLIS, TIME_SLICE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A time slice ended (docs/guest-abi.md, "Threads and waits on the host"). A program running in
     * user mode is sent into the guest kernel as if it had made a system call there: RIP becomes the
     * kernel's preemption entry, RAX {@link GuestAbi#PREEMPT_CALL}, RCX the program's RIP and R11 its
     * RFLAGS (what SYSCALL leaves), and the program's own RAX, RCX and R11 go to the hypercall page
     * for the kernel to put back. The kernel then runs another thread or delivers a signal. In the
     * guest kernel nothing changes: it switches threads at the end of the call it serves anyway.
     */
    private Outcome preempt() throws HypervisorException {
        if (!preemptionWanted || vcpu.specialRegisters().privilegeLevel() != USER_MODE) {
            return null;
        }
        Registers r = vcpu.registers();
        page.setPreempted(r.rax(), r.rcx(), r.r11());
        vcpu.setRegisters(new Registers(GuestAbi.PREEMPT_CALL, r.rbx(), r.rip(), r.rdx(), r.rsi(), r.rdi(),
                r.rsp(), r.rbp(), r.r8(), r.r9(), r.r10(), r.rflags(), r.r12(), r.r13(), r.r14(), r.r15(),
                page.preemptEntry(), r.rflags()));
        return null;
    }

    /** Whether {@code request} is the read of the start message a {@link Template} stops at. */
    private boolean atStartPoint(SyscallRequest request) {
        return startPoint.isPresent() && request.number() == Sysno.READ.number()
                && request.arg0() == startPoint.getAsInt();
    }

    /** The host stopped the vCPU; the log says where the guest was (where a program spun, say). */
    private Outcome stopped(GuestEnd reason) {
        try {
            Registers registers = vcpu.registers();
            log.host(String.format("stopped at rip 0x%x, rsp 0x%x: %s", registers.rip(), registers.rsp(),
                    reason));
        } catch (HypervisorException e) {
            log.host("stopped, registers unavailable (" + e.getMessage() + "): " + reason);
        }
        return new Outcome(reason);
    }

    /** The fault record: vector, error code, RIP, fault address, RSP, user-mode flag. */
    private GuestEnd fault(int signal) {
        long vector = page.argument(0);
        long errorCode = page.argument(1);
        long rip = page.argument(2);
        long address = page.argument(3);
        log.host(String.format("fault: signal %d, vector %d (%s), error code 0x%x, rip 0x%x, address 0x%x,"
                        + " rsp 0x%x, %s mode", signal, vector, ExceptionVector.name(vector), errorCode, rip,
                address, page.argument(4), page.argument(5) != 0 ? "user" : "kernel"));
        return new GuestEnd.Faulted(signal, ExceptionVector.describe(vector, errorCode, address), rip);
    }

    /**
     * Under PVM a ring-3 {@code in}/{@code out} reaches the host instead of faulting in the guest.
     * It is the program's privileged instruction, never a hypercall: end the run as SIGSEGV, as
     * Linux would.
     */
    private Outcome userPortAccess(int port) {
        long rip = 0;
        try {
            Registers registers = vcpu.registers();
            rip = registers.rip();
            log.host(String.format("user-mode port access: port 0x%x, rip 0x%x, rsp 0x%x", port, rip,
                    registers.rsp()));
        } catch (HypervisorException e) {
            log.host("user-mode port access; registers unavailable: " + e.getMessage());
        }
        return new Outcome(new GuestEnd.Faulted(SIGSEGV,
                "privileged instruction: I/O port 0x" + Integer.toHexString(port) + " accessed in user mode", rip));
    }

    private Map<Integer, Integer> unsupportedSyscalls() {
        long count = page.argument(1);
        if (count <= 0) {
            return Map.of();
        }
        MemorySegment table = memory.range(page.argument(0), Math.min(count, MAX_ENOSYS_ENTRIES) * 8);
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        for (long offset = 0; offset < table.byteSize(); offset += 8) {
            counts.merge(table.get(ValueLayout.JAVA_INT_UNALIGNED, offset),
                    table.get(ValueLayout.JAVA_INT_UNALIGNED, offset + 4), Integer::sum);
        }
        return counts;
    }

    /** The run flags the guest kernel passes with EXIT and FAULT. */
    private boolean memoryLimitReached() {
        return (page.number() & GuestAbi.RUN_FLAG_MEMORY_LIMIT_REACHED) != 0;
    }

    private Outcome failed(String reason) {
        log.host("VM failed: " + reason);
        return new Outcome(new GuestEnd.VmFailed(reason));
    }
}
