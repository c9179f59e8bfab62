package dev.hyperlight.nanvix.kvm;

import static dev.hyperlight.nanvix.kvm.sys.kvm_h.KVM_XCRS_SIZE;
import static dev.hyperlight.nanvix.kvm.sys.kvm_h.KVM_XSAVE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.kvm.sys.kvm_regs;
import dev.hyperlight.nanvix.kvm.sys.kvm_sregs;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The CPU-state section of a snapshot file (untrusted on load) and the TSC a clone starts from. */
@Tag("no-vm")
class KvmCpuStateTest {

    private static final int IA32_STAR = 0xc000_0081;

    private static KvmCpuState sample() {
        byte[] regs = new byte[(int) kvm_regs.layout().byteSize()];
        Arrays.fill(regs, (byte) 7);
        return new KvmCpuState(regs, new byte[(int) kvm_sregs.layout().byteSize()], new byte[(int) KVM_XSAVE_SIZE],
                new byte[(int) KVM_XCRS_SIZE], new int[] {KvmCpuState.IA32_TSC, IA32_STAR}, new long[] {1_000, 42});
    }

    @Test
    void encodedStateDecodesToTheSame() {
        KvmCpuState decoded = KvmCpuState.decode(sample().encode());
        assertThat(decoded.regs()).isEqualTo(sample().regs());
        assertThat(decoded.xcrs()).hasSize((int) KVM_XCRS_SIZE);
        assertThat(decoded.msrIndices()).containsExactly(KvmCpuState.IA32_TSC, IA32_STAR);
        assertThat(decoded.msrValues()).containsExactly(1_000, 42);
        KvmCpuState withoutXcrs = new KvmCpuState(sample().regs(), sample().sregs(), sample().xsave(), new byte[0],
                new int[0], new long[0]);
        assertThat(KvmCpuState.decode(withoutXcrs.encode()).xcrs()).isEmpty();
    }

    @Test
    void decodingRefusesWhatKvmWouldNotTakeOrWeNeverSave() {
        byte[] good = sample().encode();
        assertThatThrownBy(() -> KvmCpuState.decode(Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends early");
        assertThatThrownBy(() -> KvmCpuState.decode(Arrays.copyOf(good, good.length + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the CPU state");
        assertThatThrownBy(() -> KvmCpuState.decode(new byte[0])).isInstanceOf(IllegalArgumentException.class);
        KvmCpuState shortRegs = new KvmCpuState(new byte[8], sample().sregs(), sample().xsave(), sample().xcrs(),
                new int[0], new long[0]);
        assertThatThrownBy(() -> KvmCpuState.decode(shortRegs.encode())).hasMessageContaining("kvm_regs of 8 bytes");
        KvmCpuState foreignMsr = new KvmCpuState(sample().regs(), sample().sregs(), sample().xsave(), sample().xcrs(),
                new int[] {0x1b}, new long[] {0}); // IA32_APIC_BASE: not ours to load from a file
        assertThatThrownBy(() -> KvmCpuState.decode(foreignMsr.encode())).hasMessageContaining("MSR 0x1b");
        KvmCpuState twice = new KvmCpuState(sample().regs(), sample().sregs(), sample().xsave(), sample().xcrs(),
                new int[] {IA32_STAR, IA32_STAR}, new long[] {1, 2});
        assertThatThrownBy(() -> KvmCpuState.decode(twice.encode())).hasMessageContaining("twice");
    }

    @Test
    void theTscMovesOnByTheTimeSinceTheSnapshotAtItsFrequency() {
        KvmCpuState hourLater = sample().withTscAdvancedBy(Duration.ofHours(1).plusNanos(500_000), 2_000_000);
        assertThat(hourLater.tsc()).isEqualTo(1_000 + 3_600L * 2_000_000_000L + 1_000_000);
        assertThat(hourLater.msrValues()[1]).isEqualTo(42);
        assertThat(sample().tsc()).as("the snapshot's own state is unchanged").isEqualTo(1_000);
        // A clock that went backwards never moves the TSC back; a century does not overflow.
        assertThat(sample().withTscAdvancedBy(Duration.ofSeconds(-5), 2_000_000).tsc()).isEqualTo(1_000);
        assertThat(sample().withTscAdvancedBy(Duration.ofDays(36_500), 5_000_000).tsc()).isPositive();
    }
}
