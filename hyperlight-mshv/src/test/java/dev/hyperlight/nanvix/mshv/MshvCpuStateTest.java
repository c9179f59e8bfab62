package dev.hyperlight.nanvix.mshv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A snapshot file's CPU state for mshv: encoded and decoded, and refused when it is not one a snapshot saves. */
@Tag("no-vm")
class MshvCpuStateTest {

    private static MshvCpuState sample(int xsaveBytes) {
        int[] names = MshvVirtualCpu.SAVED_REGISTERS;
        byte[] values = new byte[names.length * VpRegisters.VALUE_SIZE];
        for (int i = 0; i < values.length; i++) {
            values[i] = (byte) (i * 7);
        }
        byte[] xsave = new byte[xsaveBytes];
        Arrays.fill(xsave, (byte) 0x5a);
        return new MshvCpuState(names, values, xsave);
    }

    @Test
    void roundTrips() {
        MshvCpuState state = sample(4096);
        assertThat(MshvCpuState.decode(state.encode())).isEqualTo(state);
    }

    @Test
    void refusesWhatASnapshotDoesNotSave() {
        byte[] encoded = sample(4096).encode();
        assertThatThrownBy(() -> MshvCpuState.decode(Arrays.copyOf(encoded, encoded.length - 1)))
                .hasMessageContaining("ends early");
        assertThatThrownBy(() -> MshvCpuState.decode(Arrays.copyOf(encoded, encoded.length + 1)))
                .hasMessageContaining("after the CPU state");
        byte[] otherVersion = encoded.clone();
        otherVersion[0] = 2;
        assertThatThrownBy(() -> MshvCpuState.decode(otherVersion)).hasMessageContaining("encoding");
        byte[] otherRegister = encoded.clone();
        ByteBuffer.wrap(otherRegister).putInt(5, 0x0008_0001); // not among the saved registers
        assertThatThrownBy(() -> MshvCpuState.decode(otherRegister)).hasMessageContaining("other than");
        byte[] fewer = encoded.clone();
        ByteBuffer.wrap(fewer).putInt(1, 3);
        assertThatThrownBy(() -> MshvCpuState.decode(fewer)).hasMessageContaining("registers");
        assertThatThrownBy(() -> MshvCpuState.decode(sample(0).encode())).hasMessageContaining("XSAVE");
        assertThatThrownBy(() -> MshvCpuState.decode(sample(MshvCpuState.MAX_XSAVE + 1).encode()))
                .hasMessageContaining("XSAVE");
    }
}
