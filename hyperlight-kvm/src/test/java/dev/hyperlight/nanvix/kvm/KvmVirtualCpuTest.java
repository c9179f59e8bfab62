package dev.hyperlight.nanvix.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.hyperlight.nanvix.hostmem.KickSignal;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs hand-assembled long-mode guests on the real /dev/kvm and checks every decoded exit. */
class KvmVirtualCpuTest extends KvmTestHypervisors {

    private static final int HYPERCALL_PORT = 0x6e0;

    @ParameterizedTest(name = "sync registers: {0}")
    @ValueSource(booleans = {true, false})
    void outExitsCarryPortSizeValueAndKernelPrivilege(boolean syncRegisters) throws HypervisorException {
        GuestCode code = new GuestCode()
                .movDx(HYPERCALL_PORT).movEax(0xdead_beef).outDxEax()
                .movAl(0x12).outImm8Al(0x80)
                .movAx(0x3456).outDxAx()
                .hlt();
        try (VirtualMachine vm = hypervisor(syncRegisters).createVm(TestGuest.RAM_SIZE);
                VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0xdead_beefL, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 0x12, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 2, 0x3456, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.Halt());
        }
    }

    @ParameterizedTest(name = "sync registers: {0}")
    @ValueSource(booleans = {true, false})
    void outFromRingThreeReportsPrivilegeLevelThree(boolean syncRegisters) throws HypervisorException {
        TestGuest.UserPorts ports = TestGuest.UserPorts.ALLOWED;
        GuestCode kernel = TestGuest.enterUserMode(new GuestCode().movAl(0x00).outImm8Al(0x80), ports);
        GuestCode user = new GuestCode().movDx(HYPERCALL_PORT).movEax(0x3333).outDxEax().hlt();
        try (VirtualMachine vm = hypervisor(syncRegisters).createVm(TestGuest.RAM_SIZE);
                VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, kernel.bytes(), user.bytes(), ports);

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 0, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0x3333, 3));
            SpecialRegisters atUserOut = vcpu.specialRegisters();
            assertThat(atUserOut.cs().selector()).isEqualTo(TestGuest.USER_CS);
            assertThat(atUserOut.privilegeLevel()).isEqualTo(3);
            // hlt in ring 3 raises #GP; without an IDT that is a triple fault.
            assertThat(vcpu.run()).isEqualTo(new VmExit.Shutdown());
        }
    }

    @Test
    void outFromRingThreeFaultsInTheGuestWhenTheTssDeniesThePort() throws HypervisorException {
        TestGuest.UserPorts ports = TestGuest.UserPorts.DENIED;
        GuestCode kernel = TestGuest.enterUserMode(new GuestCode().movAl(0x00).outImm8Al(0x80), ports);
        GuestCode user = new GuestCode().movDx(HYPERCALL_PORT).movEax(0x3333).outDxEax().hlt();
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, kernel.bytes(), user.bytes(), ports);

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 0, 0));
            // #GP in ring 3, and no IDT: a triple fault; the host never sees the out.
            assertThat(vcpu.run()).isEqualTo(new VmExit.Shutdown());
        }
    }

    @Test
    void inReportsPortAndSizeAndTheGuestReadsAllOnes() throws HypervisorException {
        GuestCode code = new GuestCode()
                .movDx(0x71).inAlDx().outImm8Al(0x80)
                .inAxDx().outDxAx()
                .inEaxDx().movDx(HYPERCALL_PORT).outDxEax()
                .hlt();
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoIn(0x71, 1, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 0xff, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoIn(0x71, 2, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x71, 2, 0xffff, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoIn(0x71, 4, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0xffff_ffffL, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.Halt());
        }
    }

    @Test
    void accessesOutsideRamAreMmioExits() throws HypervisorException {
        int address = (int) TestGuest.UNBACKED + 8;
        GuestCode code = new GuestCode()
                .movRax(address).storeDwordAtRax(0xcafe_f00d)
                .loadDwordFromRax().movDx(HYPERCALL_PORT).outDxEax()
                .hlt();
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());

            assertThat(vcpu.run()).isEqualTo(new VmExit.Mmio(address, 4, true, 0xcafe_f00dL));
            assertThat(vcpu.run()).isEqualTo(new VmExit.Mmio(address, 4, false, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0xffff_ffffL, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.Halt());
        }
    }

    @Test
    void anMmioAccessKvmCannotEmulateIsAnInternalError() throws HypervisorException {
        GuestCode code = new GuestCode().movRax((int) TestGuest.UNBACKED).fldQwordAtRax().hlt();
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());

            assertThat(vcpu.run()).isEqualTo(new VmExit.InternalError(1)); // KVM_INTERNAL_ERROR_EMULATION
        }
    }

    @Test
    void anInvalidStateRefusedByKvmNamesTheCallAndErrno() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().hlt().bytes());
            SpecialRegisters c = vcpu.specialRegisters();
            // Paging on with a 64-bit code segment but EFER.LME/LMA clear: no such CPU state.
            SpecialRegisters withoutLongMode = new SpecialRegisters(c.cs(), c.ds(), c.es(), c.fs(), c.gs(), c.ss(),
                    c.tr(), c.ldt(), c.gdt(), c.idt(), c.cr0(), c.cr2(), c.cr3(), c.cr4(), c.cr8(), 0, c.apicBase());

            assertThatThrownBy(() -> vcpu.setSpecialRegisters(withoutLongMode))
                    .isInstanceOfSatisfying(HypervisorException.class,
                            e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.FAILED))
                    .hasMessage("KVM_SET_SREGS on vCPU 0 failed: Invalid argument (errno 22)");
        }
    }

    @Test
    void anExceptionWithoutIdtIsATripleFault() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().ud2().bytes());

            assertThat(vcpu.run()).isEqualTo(new VmExit.Shutdown());
        }
    }

    /**
     * The system-call door's way: the registers of the exit read without an ioctl where KVM syncs
     * them, and new ones handed to the next run, which must load them before it completes the
     * exit's {@code out} (a RIP changed there is not skipped past anything).
     */
    @ParameterizedTest(name = "sync registers: {0}")
    @ValueSource(booleans = {true, false})
    void exitRegistersAndResumeWithAreTheRegistersOfTheExitAndOfTheNextRun(boolean syncRegisters)
            throws HypervisorException {
        GuestCode code = new GuestCode().movDx(HYPERCALL_PORT).outDxEax().hlt().outDxEax().hlt();
        long secondOut = TestGuest.KERNEL_CODE + 6;
        try (VirtualMachine vm = hypervisor(syncRegisters).createVm(TestGuest.RAM_SIZE);
                VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());
            assertThat(vcpu.run()).isInstanceOf(VmExit.IoOut.class);
            Registers atExit = vcpu.exitRegisters();
            assertThat(atExit).isEqualTo(vcpu.registers());
            assertThat(vcpu.exitCr3()).isEqualTo(vcpu.specialRegisters().cr3());

            Registers resumed = new Registers(0x77, atExit.rbx(), atExit.rcx(), atExit.rdx(), atExit.rsi(),
                    atExit.rdi(), atExit.rsp(), atExit.rbp(), atExit.r8(), atExit.r9(), atExit.r10(), atExit.r11(),
                    atExit.r12(), atExit.r13(), atExit.r14(), atExit.r15(), secondOut, atExit.rflags() | 0x1);
            vcpu.resumeWith(resumed);
            assertThat(vcpu.registers()).as("what the next run starts from").isEqualTo(resumed);

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0x77, 0));
            Registers after = vcpu.exitRegisters();
            assertThat(after.rax()).isEqualTo(0x77);
            assertThat(after.rflags() & 0x1).as("CF").isEqualTo(1);
            assertThat(after.rip()).isIn(secondOut, secondOut + 1);
            assertThat(vcpu.registers()).isEqualTo(after);
        }
    }

    @Test
    void registersRoundTripAndTheGuestSeesThem() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().movDx(HYPERCALL_PORT).outDxEax().hlt().bytes());
            Registers set = new Registers(
                    0x1111_2222_3333_4444L, 2, 3, 4, 5, 6, TestGuest.KERNEL_STACK_TOP, 8,
                    9, 10, 11, 12, 13, 14, 15, -16L,
                    TestGuest.KERNEL_CODE, TestGuest.RFLAGS_RESERVED | 0x1 /* CF */);
            vcpu.setRegisters(set);
            assertThat(vcpu.registers()).isEqualTo(set);

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, 0x3333_4444L, 0));
            Registers after = vcpu.registers();
            // On the out (after mov dx, 4 bytes) or past it: hardware KVM finishes an I/O exit's
            // instruction at the next KVM_RUN (saveState completes it first), PVM before the exit.
            long atOut = TestGuest.KERNEL_CODE + 4;
            boolean finishedBeforeExit = new KvmHypervisorProvider().flavour() == Flavour.PVM;
            assertThat(after.rip()).isEqualTo(finishedBeforeExit ? atOut + 1 : atOut);
            assertThat(after.rdx()).isEqualTo(HYPERCALL_PORT); // mov dx keeps the upper 48 bits: 4 >> 16 == 0
            assertThat(after).usingRecursiveComparison().ignoringFields("rip", "rdx").isEqualTo(set);
        }
    }

    @Test
    void specialRegistersRoundTrip() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, new GuestCode().hlt().bytes());
            SpecialRegisters loaded = vcpu.specialRegisters();
            vcpu.setSpecialRegisters(loaded);

            assertThat(vcpu.specialRegisters()).isEqualTo(loaded);
            assertThat(loaded.cs().selector()).isEqualTo(TestGuest.KERNEL_CS);
            assertThat(loaded.cs().l()).isTrue();
            assertThat(loaded.efer() & 0x500).isEqualTo(0x500);
            assertThat(loaded.privilegeLevel()).isZero();
        }
    }

    @Test
    void segmentFieldsTooWideForKvmAreRejected() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            SpecialRegisters current = vcpu.specialRegisters();
            var badCs = new dev.hyperlight.nanvix.hypervisor.Segment(0, 0, 0x1_0000, 11, true, 0, false, true,
                    true, true, false, false);
            SpecialRegisters bad = new SpecialRegisters(badCs, current.ds(), current.es(), current.fs(),
                    current.gs(), current.ss(), current.tr(), current.ldt(), current.gdt(), current.idt(),
                    current.cr0(), current.cr2(), current.cr3(), current.cr4(), current.cr8(), current.efer(),
                    current.apicBase());

            assertThatThrownBy(() -> vcpu.setSpecialRegisters(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("segment selector 0x10000");
        }
    }

    @Test
    void msrWrittenByTheHostIsReadByTheGuest() throws HypervisorException {
        int ia32Star = 0xc000_0081;
        long star = 0x0023_0010_1234_5678L;
        GuestCode code = new GuestCode()
                .movEcx(ia32Star).rdmsr().movEbxEdx().movDx(HYPERCALL_PORT).outDxEax().movEaxEbx().outDxEax().hlt();
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, code.bytes());
            vcpu.setMsr(ia32Star, star);

            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, star & 0xffff_ffffL, 0));
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, star >>> 32, 0));
        }
    }

    /**
     * A VM fork: the state of a vCPU stopped at an exit, loaded into a new VM's vCPU over a copy of
     * the RAM, resumes at the next instruction with the same registers and MSRs; the copies of
     * RAM are independent afterwards.
     */
    @Test
    void aSavedVcpuStateResumesInAnotherVmOverACopyOfItsMemory() throws HypervisorException {
        int ia32Star = 0xc000_0081;
        long star = 0x0023_0010_8765_4321L;
        GuestCode code = new GuestCode().movDx(HYPERCALL_PORT).outDxEax()
                .movEcx(ia32Star).rdmsr().movDx(HYPERCALL_PORT).outDxEax().hlt();
        long marker = TestGuest.RAM_SIZE - 4096;
        try (VirtualMachine parent = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = parent.createVcpu();
                VirtualMachine child = kvm.createVm(TestGuest.RAM_SIZE)) {
            TestGuest.load(parent.memory(), vcpu, code.bytes());
            vcpu.setMsr(ia32Star, star);
            assertThat(vcpu.run()).isInstanceOf(VmExit.IoOut.class);
            parent.memory().set(ValueLayout.JAVA_LONG, marker, 0x5eed_5eedL);

            CpuState state = vcpu.saveState();
            child.copyMemoryFrom(parent);
            VirtualCpu copy = child.createVcpu();
            copy.restoreState(state);
            parent.memory().set(ValueLayout.JAVA_LONG, marker, 1);

            assertThat(copy.registers()).isEqualTo(vcpu.registers());
            assertThat(copy.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, star & 0xffff_ffffL, 0));
            assertThat(child.memory().get(ValueLayout.JAVA_LONG, marker)).isEqualTo(0x5eed_5eedL);
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(HYPERCALL_PORT, 4, star & 0xffff_ffffL, 0));
        }
    }

    @Test
    void anMsrKvmDoesNotKnowIsRefused() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            assertThatThrownBy(() -> vcpu.setMsr(0x1234_5678, 1))
                    .isInstanceOf(HypervisorException.class)
                    .hasMessageContaining("MSR 0x12345678");
        }
    }

    @Test
    void tscFrequencyIsKnown() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            assertThat(vcpu.tscKhz()).isPositive();
        }
    }

    @Test
    void interruptStopsASpinningGuestAndEveryLaterRun() throws Exception {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.CountingGuest guest = TestGuest.countForever(new GuestCode().movAl(1).outImm8Al(0x80));
            TestGuest.load(vm.memory(), vcpu, guest.code());
            assertThat(vcpu.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));

            CompletableFuture<VmExit> spinning = runOnAnotherThread(vcpu);
            TestGuest.awaitSpinning(vm.memory(), 0); // the interrupt must find the guest running
            assertThat(spinning).isNotDone();

            vcpu.interrupt();

            assertThat(spinning).succeedsWithin(Duration.ofSeconds(1)).isEqualTo(new VmExit.Interrupted());
            assertThat(guest.inLoop(vcpu.registers().rip())).as("stopped inside the loop").isTrue();
            // The interrupt stays pending: the next run returns at once instead of spinning.
            assertThat(assertTimeoutPreemptively(Duration.ofSeconds(10), vcpu::run)).isEqualTo(new VmExit.Interrupted());
            vcpu.interrupt(); // idempotent, and returns at once: no thread is inside run()
        }
    }

    @Test
    void aSignalThatIsNotAnInterruptReentersTheGuest() throws Exception {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.CountingGuest guest = TestGuest.countForever(new GuestCode());
            TestGuest.load(vm.memory(), vcpu, guest.code());
            CompletableFuture<Long> vcpuThread = new CompletableFuture<>();
            CompletableFuture<VmExit> spinning = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                vcpuThread.complete(libc_h.pthread_self());
                try {
                    spinning.complete(vcpu.run());
                } catch (Throwable e) {
                    spinning.completeExceptionally(e);
                }
            });
            long thread = vcpuThread.get(1, TimeUnit.SECONDS);
            TestGuest.awaitSpinning(vm.memory(), 0); // the kicks must find the guest running

            // The kick signal without interrupt(): KVM_RUN returns EINTR, which is not a request to stop.
            for (int i = 0; i < 20; i++) {
                assertThat(libc_h.pthread_kill(thread, KickSignal.number())).isZero();
                Thread.sleep(2);
            }
            // The guest counts on after the last kick: its vCPU entered the guest again.
            TestGuest.awaitSpinning(vm.memory(), TestGuest.spinCount(vm.memory()));
            assertThat(spinning).isNotDone();

            vcpu.interrupt();
            assertThat(spinning).succeedsWithin(Duration.ofSeconds(1)).isEqualTo(new VmExit.Interrupted());
            assertThat(guest.inLoop(vcpu.registers().rip())).as("stopped inside the loop").isTrue();
        }
    }

    @Test
    void interruptBeforeRunStopsTheFirstRun() throws HypervisorException {
        try (VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE); VirtualCpu vcpu = vm.createVcpu()) {
            TestGuest.load(vm.memory(), vcpu, TestGuest.countForever(new GuestCode()).code());
            vcpu.interrupt();

            assertThat(vcpu.run()).isEqualTo(new VmExit.Interrupted());
            assertThat(vcpu.registers().rip()).as("the guest never ran").isEqualTo(TestGuest.KERNEL_CODE);
            assertThat(TestGuest.spinCount(vm.memory())).isZero();
        }
    }

    @Test
    void closingTheVmStopsAVcpuRunningOnAnotherThread() throws Exception {
        VirtualMachine vm = kvm.createVm(TestGuest.RAM_SIZE);
        VirtualCpu vcpu = vm.createVcpu();
        TestGuest.load(vm.memory(), vcpu, TestGuest.countForever(new GuestCode()).code());
        CompletableFuture<VmExit> spinning = runOnAnotherThread(vcpu);
        TestGuest.awaitSpinning(vm.memory(), 0); // the close must find the guest running

        vm.close();

        assertThat(spinning).succeedsWithin(Duration.ofSeconds(1)).isEqualTo(new VmExit.Interrupted());
        assertThat(vcpu.run()).isEqualTo(new VmExit.Interrupted());
        assertThatThrownBy(vcpu::registers).isInstanceOf(IllegalStateException.class);
        vcpu.close();
        vm.close();
    }

    /** {@code vcpu.run()} on a new platform thread, as the VMM runs a vCPU. */
    static CompletableFuture<VmExit> runOnAnotherThread(VirtualCpu vcpu) {
        CompletableFuture<VmExit> exit = new CompletableFuture<>();
        Thread.ofPlatform().name("vcpu").start(() -> {
            try {
                exit.complete(vcpu.run());
            } catch (Throwable e) {
                exit.completeExceptionally(e);
            }
        });
        return exit;
    }
}
