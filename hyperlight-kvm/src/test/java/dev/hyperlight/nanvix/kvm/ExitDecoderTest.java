package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.VmExit;
import dev.hyperlight.nanvix.kvm.sys.kvm_run;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Exit decoding on a synthetic kvm_run, for the exits a test guest cannot provoke under PVM. */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class ExitDecoderTest {

    private static final long RUN_SIZE = 3 * 4096;
    private static final long DATA_OFFSET = 4096;
    private static final ExitDecoder.PrivilegeLevel KERNEL = () -> 0;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment run = arena.allocate(RUN_SIZE, 4096);

    @AfterEach
    void free() {
        arena.close();
    }

    private void io(int direction, int size, int port, int count, long dataOffset) {
        run.set(JAVA_INT, kvm_run.exit_reason$OFFSET, KVM_EXIT_IO);
        run.set(JAVA_BYTE, kvm_run.io_direction$OFFSET, (byte) direction);
        run.set(JAVA_BYTE, kvm_run.io_size$OFFSET, (byte) size);
        run.set(JAVA_SHORT, kvm_run.io_port$OFFSET, (short) port);
        run.set(JAVA_INT, kvm_run.io_count$OFFSET, count);
        run.set(JAVA_LONG, kvm_run.io_data_offset$OFFSET, dataOffset);
    }

    @Test
    void outValuesAreReadLittleEndianAtTheirSize() throws HypervisorException {
        run.set(JAVA_LONG, DATA_OFFSET, 0x1122_3344_5566_7788L);
        for (int size : new int[] {1, 2, 4}) {
            io(KVM_EXIT_IO_OUT, size, 0xfffe, 1, DATA_OFFSET);
            long expected = 0x1122_3344_5566_7788L & (-1L >>> (64 - 8 * size));
            assertThat(ExitDecoder.decode(run, () -> 3)).isEqualTo(new VmExit.IoOut(0xfffe, size, expected, 3));
        }
    }

    @Test
    void anInFillsItsDataWithOnesAndNothingBeyond() throws HypervisorException {
        io(0 /* KVM_EXIT_IO_IN */, 2, 0x60, 1, DATA_OFFSET);

        assertThat(ExitDecoder.decode(run, KERNEL)).isEqualTo(new VmExit.IoIn(0x60, 2, 0));
        assertThat(run.get(JAVA_SHORT, DATA_OFFSET)).isEqualTo((short) -1);
        assertThat(run.get(JAVA_BYTE, DATA_OFFSET + 2)).isZero();
    }

    @Test
    void stringIoIsNotDecoded() throws HypervisorException {
        io(KVM_EXIT_IO_OUT, 1, 0x80, 16, DATA_OFFSET);

        assertThat(ExitDecoder.decode(run, KERNEL)).isEqualTo(new VmExit.Unknown(KVM_EXIT_IO));
    }

    @Test
    void ioDataOutsideTheRunAreaIsRefused() {
        io(KVM_EXIT_IO_OUT, 4, 0x80, 1, RUN_SIZE - 2);
        assertThatThrownBy(() -> ExitDecoder.decode(run, KERNEL)).isInstanceOf(HypervisorException.class)
                .hasMessageContaining("malformed I/O exit");

        io(KVM_EXIT_IO_OUT, 3, 0x80, 1, DATA_OFFSET);
        assertThatThrownBy(() -> ExitDecoder.decode(run, KERNEL)).isInstanceOf(HypervisorException.class);

        io(KVM_EXIT_IO_OUT, 4, 0x80, 1, 16); // inside struct kvm_run itself
        assertThatThrownBy(() -> ExitDecoder.decode(run, KERNEL)).isInstanceOf(HypervisorException.class);
    }

    @Test
    void mmioLengthsAreChecked() {
        run.set(JAVA_INT, kvm_run.exit_reason$OFFSET, KVM_EXIT_MMIO);
        run.set(JAVA_INT, kvm_run.mmio_len$OFFSET, 9);

        assertThatThrownBy(() -> ExitDecoder.decode(run, KERNEL)).isInstanceOf(HypervisorException.class)
                .hasMessage("KVM reported an MMIO exit of 9 bytes");
    }

    @Test
    void failEntryCarriesTheHardwareReason() throws HypervisorException {
        run.set(JAVA_INT, kvm_run.exit_reason$OFFSET, KVM_EXIT_FAIL_ENTRY);
        run.set(JAVA_LONG, kvm_run.fail_entry_hardware_entry_failure_reason$OFFSET, 0x8000_0021L);

        assertThat(ExitDecoder.decode(run, KERNEL)).isEqualTo(new VmExit.FailEntry(0x8000_0021L));
    }

    @Test
    void otherReasonsAreUnknown() throws HypervisorException {
        run.set(JAVA_INT, kvm_run.exit_reason$OFFSET, 4 /* KVM_EXIT_DEBUG */);

        assertThat(ExitDecoder.decode(run, KERNEL)).isEqualTo(new VmExit.Unknown(4));
    }
}
