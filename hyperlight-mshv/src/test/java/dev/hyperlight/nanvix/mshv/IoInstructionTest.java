package dev.hyperlight.nanvix.mshv;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The harness's decoder of I/O instructions (KvmMshvKernel's I/O intercepts), on code bytes at 0x1000. */
@Tag("no-vm")
class IoInstructionTest {

    private static final long BASE = 0x1000;
    private static final IoInstruction.Mode LONG = IoInstruction.Mode.LONG;
    private static final IoInstruction.Mode PROTECTED_32 = new IoInstruction.Mode(false, true);
    private static final IoInstruction.Mode REAL_16 = new IoInstruction.Mode(false, false);

    /** {@code bytes} at {@link #BASE}; nothing readable elsewhere. */
    private static IoInstruction.Code code(int... bytes) {
        return rip -> rip >= BASE && rip < BASE + bytes.length ? bytes[(int) (rip - BASE)] : -1;
    }

    private static IoInstruction decode(IoInstruction.Mode mode, int... bytes) {
        return IoInstruction.decode(code(bytes), BASE, mode);
    }

    @Test
    void portInDxOrInTheInstruction() {
        assertThat(decode(LONG, 0xee)).isEqualTo(new IoInstruction(1, true, 1, -1, false, false));
        assertThat(decode(LONG, 0xef)).isEqualTo(new IoInstruction(1, true, 4, -1, false, false));
        assertThat(decode(LONG, 0xec)).isEqualTo(new IoInstruction(1, false, 1, -1, false, false));
        assertThat(decode(LONG, 0xed)).isEqualTo(new IoInstruction(1, false, 4, -1, false, false));
        assertThat(decode(LONG, 0xe6, 0x80)).isEqualTo(new IoInstruction(2, true, 1, 0x80, false, false));
        assertThat(decode(LONG, 0xe7, 0xff)).isEqualTo(new IoInstruction(2, true, 4, 0xff, false, false));
        assertThat(decode(LONG, 0xe4, 0x60)).isEqualTo(new IoInstruction(2, false, 1, 0x60, false, false));
        assertThat(decode(LONG, 0xe5, 0x61)).isEqualTo(new IoInstruction(2, false, 4, 0x61, false, false));
    }

    @Test
    void operandSizeByModePrefixAndRex() {
        assertThat(decode(LONG, 0x66, 0xef).size()).isEqualTo(2);
        assertThat(decode(PROTECTED_32, 0x66, 0xef).size()).isEqualTo(2);
        assertThat(decode(REAL_16, 0xef).size()).isEqualTo(2);
        assertThat(decode(REAL_16, 0x66, 0xef).size()).isEqualTo(4);
        // REX.W: 32 bits, even with 0x66; a REX before a legacy prefix does not count (measured in
        // KVM's emulator under PVM: 48 ef, 66 48 ef are 4-byte accesses, 48 66 ef a 2-byte one).
        assertThat(decode(LONG, 0x48, 0xef)).isEqualTo(new IoInstruction(2, true, 4, -1, false, false));
        assertThat(decode(LONG, 0x66, 0x48, 0xef).size()).isEqualTo(4);
        assertThat(decode(LONG, 0x48, 0x66, 0xef).size()).isEqualTo(2);
        assertThat(decode(LONG, 0x41, 0xee).length()).isEqualTo(2);
        // Outside 64-bit mode 0x40-0x4f are inc/dec, not prefixes.
        assertThat(decode(PROTECTED_32, 0x48, 0xef)).isNull();
    }

    @Test
    void legacyPrefixesCountInTheLength() {
        assertThat(decode(LONG, 0x3e, 0x66, 0xef)).isEqualTo(new IoInstruction(3, true, 2, -1, false, false));
        assertThat(decode(LONG, 0xf3, 0x67, 0x2e, 0xe6, 0x10).length()).isEqualTo(5);
    }

    @Test
    void stringInstructionsAreMarked() {
        assertThat(decode(LONG, 0x6e)).isEqualTo(new IoInstruction(1, true, 1, -1, true, false));
        assertThat(decode(LONG, 0xf3, 0x6d)).isEqualTo(new IoInstruction(2, false, 4, -1, true, true));
    }

    @Test
    void notAnIoInstruction() {
        assertThat(decode(LONG, 0x90)).isNull();
        assertThat(decode(LONG, 0xf0, 0xee)).as("LOCK is #UD").isNull();
        assertThat(decode(LONG, 0xe6)).as("immediate unreadable").isNull();
        assertThat(decode(LONG)).isNull();
        int[] fifteen = new int[16];
        Arrays.fill(fifteen, 0x66);
        fifteen[14] = 0xee; // 15 bytes: allowed
        assertThat(decode(LONG, fifteen).length()).isEqualTo(15);
        fifteen[14] = 0xe6; // its immediate would be the 16th byte
        assertThat(decode(LONG, fifteen)).isNull();
        fifteen[14] = 0x66;
        fifteen[15] = 0xee;
        assertThat(decode(LONG, fifteen)).isNull();
    }

    @Test
    void atChecksTheExit() {
        IoInstruction.Code code = code(0xee);
        assertThat(IoInstruction.at(code, BASE, LONG, true, 1, 0x3f8, 0x3f8)).isNotNull();
        assertThat(IoInstruction.at(code, BASE, LONG, true, 1, 0x3f8, 0x1_0000_03f8L)).as("DX only").isNotNull();
        assertThat(IoInstruction.at(code, BASE, LONG, true, 1, 0x3f8, 0x3f9)).as("other port").isNull();
        assertThat(IoInstruction.at(code, BASE, LONG, false, 1, 0x3f8, 0x3f8)).as("an in").isNull();
        assertThat(IoInstruction.at(code, BASE, LONG, true, 4, 0x3f8, 0x3f8)).as("other size").isNull();
        assertThat(IoInstruction.at(code(0xe6, 0x80), BASE, LONG, true, 1, 0x80, 0)).isNotNull();
        assertThat(IoInstruction.at(code(0xe6, 0x80), BASE, LONG, true, 1, 0x81, 0x81)).isNull();
    }

    @Test
    void endingAtFindsTheInstructionKvmAlreadyStepped() {
        // mov edx, 0x1234; out dx, eax; out 0x80, al; 66 out dx, ax; ds out dx, ax: RIP after each.
        IoInstruction.Code code = code(0xba, 0x34, 0x12, 0, 0, 0xef, 0xe6, 0x80, 0x66, 0xef, 0x3e, 0x66, 0xef);
        assertThat(IoInstruction.endingAt(code, BASE + 6, LONG, true, 4, 0x1234, 0x1234).length()).isEqualTo(1);
        assertThat(IoInstruction.endingAt(code, BASE + 8, LONG, true, 1, 0x80, 0x1234).length()).isEqualTo(2);
        assertThat(IoInstruction.endingAt(code, BASE + 10, LONG, true, 2, 0x1234, 0x1234).length()).isEqualTo(2);
        // 3e 66 ef and 66 ef both end there and make the exit: the shortest is taken (the same
        // end, so the same RIP after the VMM's completion).
        assertThat(IoInstruction.endingAt(code, BASE + 13, LONG, true, 2, 0x1234, 0x1234).length()).isEqualTo(2);
        // Nothing making this exit ends there.
        assertThat(IoInstruction.endingAt(code, BASE + 6, LONG, true, 1, 0x1234, 0x1234)).isNull();
        assertThat(IoInstruction.endingAt(code, BASE + 5, LONG, true, 4, 0x1234, 0x1234)).isNull();
        // `e6 ee` is `out 0xee, al`, or `out dx, al` after a byte 0xe6: the port tells.
        IoInstruction.Code both = code(0xe6, 0xee);
        assertThat(IoInstruction.endingAt(both, BASE + 2, LONG, true, 1, 0xee, 0x3f8).length()).isEqualTo(2);
        assertThat(IoInstruction.endingAt(both, BASE + 2, LONG, true, 1, 0x3f8, 0x3f8).length()).isEqualTo(1);
    }
}
