package dev.hyperlight.nanvix.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("no-vm")
class SandboxPoolTest {

    private static final long MIB = 1 << 20;

    @Test
    void aRequestGetsTheSmallestHalvingOfTheServersMemoryThatHoldsIt() {
        assertThat(SandboxPool.sizeFor(256 * MIB, 256 * MIB)).isEqualTo(256 * MIB);
        assertThat(SandboxPool.sizeFor(256 * MIB, 200 * MIB)).isEqualTo(256 * MIB);
        assertThat(SandboxPool.sizeFor(256 * MIB, 128 * MIB)).isEqualTo(128 * MIB);
        assertThat(SandboxPool.sizeFor(256 * MIB, 100 * MIB)).isEqualTo(128 * MIB);
        assertThat(SandboxPool.sizeFor(256 * MIB, 33 * MIB)).isEqualTo(64 * MIB);
        assertThat(SandboxPool.sizeFor(256 * MIB, 16 * MIB)).isEqualTo(16 * MIB);
    }

    @Test
    void noSizeIsBelowTheMinimum() {
        assertThat(SandboxPool.sizeFor(24 * MIB, 16 * MIB)).isEqualTo(24 * MIB);
        assertThat(SandboxPool.sizeFor(8192 * MIB, 16 * MIB)).isEqualTo(16 * MIB);
    }
}
