package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.ClonedVm;
import dev.hyperlight.nanvix.hypervisor.CpuState;
import dev.hyperlight.nanvix.hypervisor.DescriptorTable;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.Registers;
import dev.hyperlight.nanvix.hypervisor.Segment;
import dev.hyperlight.nanvix.hypervisor.SpecialRegisters;
import dev.hyperlight.nanvix.hypervisor.VirtualCpu;
import dev.hyperlight.nanvix.hypervisor.VirtualMachine;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.hypervisor.VmSnapshot;
import dev.hyperlight.nanvix.mshv.sys.hv_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_intercept_message_header;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_io_port_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_memory_intercept_message;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The mshv backend's own code against {@link ScriptedMshvKernel}: the calls it makes and their
 * arguments, register encodings, intercept decoding with the VMM's completion of the instruction,
 * and interruption. No hypervisor is needed; the end-to-end runs are the harness's (integration
 * tests' MshvEndToEndTest).
 */
@Tag("no-vm")
class MshvBackendTest {

    private static final Path DEVICE = Path.of("/dev/mshv");
    private static final long MEMORY = 2L << 20;

    private final ScriptedMshvKernel kernel = new ScriptedMshvKernel();

    @Test
    void createsAPartitionAsHyperlightDoesAndMapsRamAtZero() throws Exception {
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY)) {
            vm.createVcpu();
            assertThat(vm.memory().byteSize()).isEqualTo(MEMORY);
        }
        assertThat(kernel.calls).containsExactly(
                "open /dev/mshv",
                "MSHV_CHECK_EXTENSION",
                "MSHV_CREATE_PARTITION flags=0 isolation=0",
                "HVCALL 0x45 property=0x10001 value=0",
                "MSHV_INITIALIZE_PARTITION",
                "MSHV_SET_GUEST_MEMORY size=" + MEMORY + " pfn=0 flags=3 aligned=true",
                "MSHV_CREATE_VP 0",
                "close " + ScriptedMshvKernel.VP_FD,
                "close " + ScriptedMshvKernel.PARTITION_FD,
                "close " + ScriptedMshvKernel.DEVICE_FD);
    }

    @Test
    void openFailuresHaveTheKindsOfKvms() {
        kernel.openResult = -2;
        assertThatThrownBy(() -> MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN)).isInstanceOfSatisfying(
                HypervisorException.class, e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.DEVICE_MISSING));
        kernel.openResult = -13;
        assertThatThrownBy(() -> MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN)).isInstanceOfSatisfying(
                HypervisorException.class,
                e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.PERMISSION_DENIED));
    }

    @Test
    void registersRoundTripThroughTheTlfsEncodings() throws Exception {
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            Registers registers = new Registers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x1000, 0x202);
            vp.setRegisters(registers);
            assertThat(vp.registers()).isEqualTo(registers);
            assertThat(kernel.register(HV_X64_REGISTER_RCX)).isEqualTo(3);
            assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x1000);

            Segment code = new Segment(0, 0xfffff, 0x08, 0xb, true, 0, false, true, true, true, false, false);
            Segment data = new Segment(0, 0xfffff, 0x10, 0x3, true, 0, true, true, false, true, false, false);
            Segment user = new Segment(0x7000, 0xfffff, 0x23, 0x3, true, 3, true, true, false, true, true, false);
            Segment task = new Segment(0x5000, 0x67, 0x28, 0xb, true, 0, false, false, false, false, false, false);
            Segment none = new Segment(0, 0, 0, 0, false, 0, false, false, false, false, false, true);
            SpecialRegisters special = new SpecialRegisters(code, data, data, user, data, data, task, none,
                    new DescriptorTable(0x3000, 0x37), new DescriptorTable(0x4000, 0xfff),
                    0x8005_0033L, 0, 0x9000, 0x6a0, 0, 0xd01, 0xfee0_0900L);
            vp.setSpecialRegisters(special);
            assertThat(vp.specialRegisters()).isEqualTo(special);
            // CS: type 0xb, S, present, long, granular: the TLFS packing.
            assertThat(kernel.registers.get(HV_X64_REGISTER_CS)[14] & 0xff).isEqualTo(0x9b);
            assertThat(kernel.registers.get(HV_X64_REGISTER_CS)[15] & 0xff).isEqualTo(0xa0);
            assertThat(special.privilegeLevel()).isZero();

            vp.setMsr(0xc000_0082, 0xffff_8000_0000_1000L);
            assertThat(kernel.register(HV_X64_REGISTER_LSTAR)).isEqualTo(0xffff_8000_0000_1000L);
            assertThatThrownBy(() -> vp.setMsr(0x1234, 1)).isInstanceOfSatisfying(HypervisorException.class,
                    e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.UNSUPPORTED));
        }
    }

    @Test
    void anOutIsCompletedByMovingRipPastIt() throws Exception {
        kernel.runs.add(message -> io(message, 0x3f8, 1, true, 0x1234_5641L, 0x2000, 1, 3));
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            assertThat(vp.run()).isEqualTo(new VmExit.IoOut(0x3f8, 1, 0x41, 3));
            assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x2001);
            assertThat(kernel.registers).doesNotContainKey(HV_X64_REGISTER_RAX);
        }
    }

    @Test
    void anInReadsAllOnesAndMovesRipPastIt() throws Exception {
        kernel.runs.add(message -> io(message, 0x60, 4, false, 0xdead_beef_0000_0000L, 0x3000, 2, 0));
        kernel.runs.add(message -> io(message, 0x61, 1, false, 0x1234_5600L, 0x3002, 1, 0));
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            assertThat(vp.run()).isEqualTo(new VmExit.IoIn(0x60, 4, 0));
            assertThat(kernel.register(HV_X64_REGISTER_RAX)).isEqualTo(0xffff_ffffL); // upper half zeroed
            assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x3002);
            assertThat(vp.run()).isEqualTo(new VmExit.IoIn(0x61, 1, 0));
            assertThat(kernel.register(HV_X64_REGISTER_RAX)).isEqualTo(0x1234_56ffL); // only AL written
            assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x3003);
        }
    }

    @Test
    void otherInterceptsAreDecodedAndLeftAlone() throws Exception {
        kernel.runs.add(message -> {
            hv_message.message_type(message, HVMSG_UNMAPPED_GPA);
            hv_message.payload_size(message, (byte) hv_x64_memory_intercept_message.layout().byteSize());
            MemorySegment payload = hv_message.payload(message);
            hv_x64_intercept_message_header.intercept_access_type(payload, (byte) HV_INTERCEPT_ACCESS_WRITE);
            hv_x64_memory_intercept_message.guest_physical_address(payload, 0xfee0_0000L);
            return 0;
        });
        kernel.runs.add(message -> {
            hv_message.message_type(message, HVMSG_X64_HALT);
            hv_message.payload_size(message, (byte) 40);
            return 0;
        });
        kernel.runs.add(message -> {
            hv_message.message_type(message, HVMSG_UNRECOVERABLE_EXCEPTION);
            return 0;
        });
        kernel.runs.add(message -> {
            hv_message.message_type(message, HVMSG_X64_IO_PORT_INTERCEPT);
            hv_message.payload_size(message, (byte) 12); // too short for the message
            return 0;
        });
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            assertThat(vp.run()).isEqualTo(new VmExit.Mmio(0xfee0_0000L, 0, true, 0));
            assertThat(vp.run()).isEqualTo(new VmExit.Halt());
            assertThat(vp.run()).isEqualTo(new VmExit.Shutdown());
            assertThatThrownBy(vp::run).isInstanceOf(HypervisorException.class).hasMessageContaining("payload of 12");
            assertThat(kernel.registers).isEmpty();
        }
    }

    @Test
    void aForeignSignalReentersTheGuestAndAnInterruptStopsIt() throws Exception {
        kernel.runs.add(message -> -4); // EINTR from some other signal: run again
        kernel.runs.add(message -> io(message, 0x80, 1, true, 1, 0x1000, 1, 0));
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            assertThat(vp.run()).isEqualTo(new VmExit.IoOut(0x80, 1, 1, 0));
            assertThat(kernel.calls.stream().filter("MSHV_RUN_VP"::equals)).hasSize(2);

            // The guest spins: each run ends only with EINTR, as a kick (or any signal) makes it.
            kernel.onEmptyRun = () -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            CompletableFuture<VmExit> run = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    run.complete(vp.run());
                } catch (HypervisorException | RuntimeException e) {
                    run.completeExceptionally(e);
                }
            });
            Thread.sleep(50); // several foreign EINTRs re-enter the guest meanwhile
            assertThat(run).isNotDone();
            vp.interrupt(); // returns once the run has left
            assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(new VmExit.Interrupted());
            assertThat(vp.run()).as("every later run returns at once").isEqualTo(new VmExit.Interrupted());
        }
    }

    @Test
    void stateForAForkHasSpecialRegistersFirstAndTheXsaveArea() throws Exception {
        for (int i = 0; i < kernel.xsave.length; i++) {
            kernel.xsave[i] = (byte) i;
        }
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            vp.setRegisters(new Registers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x1000, 0x2));
            vp.setMsr(0x10, 123_456);
            CpuState state = vp.saveState();
            MshvCpuState saved = (MshvCpuState) state;
            assertThat(saved.names()[0]).isEqualTo(HV_X64_REGISTER_CS);
            assertThat(saved.names()).contains(HV_X64_REGISTER_TSC, HV_X64_REGISTER_XFEM, HV_X64_REGISTER_RIP);
            assertThat(saved.xsave()).isEqualTo(kernel.xsave);

            kernel.registers.clear();
            kernel.xsave = new byte[kernel.xsave.length];
            vp.restoreState(state);
            assertThat(kernel.register(HV_X64_REGISTER_TSC)).isEqualTo(123_456);
            assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x1000);
            assertThat(kernel.xsave).isEqualTo(saved.xsave());
            assertThat(kernel.calls).contains("MSHV_GET_VP_STATE type=1 size=4096", "MSHV_SET_VP_STATE type=1 size=4096");
        }
    }

    /**
     * A snapshot, then a clone: a new partition created as any other, whose RAM is the snapshot's
     * memfd mapped private at the address given to {@code MSHV_SET_GUEST_MEMORY}, and its VP
     * restored: the registers, then the XSAVE area.
     */
    @Test
    void aCloneIsANewPartitionOverAPrivateMappingOfTheSnapshotsMemfd() throws Exception {
        try (MshvHypervisor hypervisor = MshvHypervisor.open(DEVICE, kernel, Flavour.UNKNOWN);
                VirtualMachine vm = hypervisor.createVm(MEMORY);
                VirtualCpu vp = vm.createVcpu()) {
            vp.setRegisters(new Registers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x1000, 0x2));
            vm.memory().set(ValueLayout.JAVA_INT, 0x5000, 0x1234);
            try (VmSnapshot snapshot = vm.snapshot(vp, Map.of("kernel", "k1"))) {
                assertThat(snapshot.info().tags()).containsEntry("kernel", "k1").containsKey(SnapshotOrigin.CPU_TAG);
                kernel.calls.clear();
                kernel.registers.clear();
                try (ClonedVm clone = hypervisor.cloneVm(snapshot)) {
                    String mapping = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                            .filter(line -> {
                                String[] range = line.split(" ", 2)[0].split("-");
                                return Long.parseUnsignedLong(range[0], 16) <= kernel.lastGuestMemory
                                        && kernel.lastGuestMemory < Long.parseUnsignedLong(range[1], 16);
                            }).findFirst().orElseThrow();
                    assertThat(mapping).contains(" rw-p ", "/memfd:hyperlight-snapshot");
                    assertThat(clone.vm().memory().get(ValueLayout.JAVA_INT, 0x5000)).isEqualTo(0x1234);
                    assertThat(kernel.calls.subList(0, 5)).containsExactly(
                            "MSHV_CREATE_PARTITION flags=0 isolation=0",
                            "HVCALL 0x45 property=0x10001 value=0",
                            "MSHV_INITIALIZE_PARTITION",
                            "MSHV_SET_GUEST_MEMORY size=" + MEMORY + " pfn=0 flags=3 aligned=true",
                            "MSHV_CREATE_VP 0");
                    assertThat(kernel.calls.getLast()).isEqualTo("MSHV_SET_VP_STATE type=1 size=4096");
                    assertThat(kernel.register(HV_X64_REGISTER_RIP)).isEqualTo(0x1000);
                    assertThat(kernel.register(HV_X64_REGISTER_RBX)).isEqualTo(2);
                }
            }
        }
    }

    /** An I/O port intercept as mshv reports it: RIP still on the instruction. */
    private static int io(MemorySegment message, int port, int size, boolean out, long rax, long rip, int length,
            int cpl) {
        hv_message.message_type(message, HVMSG_X64_IO_PORT_INTERCEPT);
        hv_message.payload_size(message, (byte) hv_x64_io_port_intercept_message.layout().byteSize());
        MemorySegment payload = hv_message.payload(message);
        hv_x64_intercept_message_header.instruction_length_cr8(payload, (byte) length);
        hv_x64_intercept_message_header.intercept_access_type(payload,
                (byte) (out ? HV_INTERCEPT_ACCESS_WRITE : HV_INTERCEPT_ACCESS_READ));
        hv_x64_intercept_message_header.execution_state(payload, (short) (cpl | 1 << 2 | 1 << 4));
        hv_x64_intercept_message_header.rip(payload, rip);
        hv_x64_io_port_intercept_message.port_number(payload, (short) port);
        hv_x64_io_port_intercept_message.access_info(payload, (byte) size);
        hv_x64_io_port_intercept_message.rax(payload, rax);
        return 0;
    }
}
