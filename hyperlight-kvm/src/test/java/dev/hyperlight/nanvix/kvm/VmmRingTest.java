package dev.hyperlight.nanvix.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The ring's encoding, and that nothing a VMM process writes is used unchecked. */
@Tag("no-vm")
class VmmRingTest {

    @Test
    void encodesARequestAndCopiesTheArgumentBackAtItsOwnSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(VmmRing.SIZE);
            MemorySegment argument = arena.allocateFrom(ValueLayout.JAVA_BYTE, new byte[] {1, 2, 3});
            VmmRing.Request request = new VmmRing.Request(VmmRing.Op.IOCTL, 5, 0xAE03, 0, argument);
            VmmRing.write(ring, request);
            assertEquals(1, ring.get(ValueLayout.JAVA_INT, VmmRing.OP));
            assertEquals(5, ring.get(ValueLayout.JAVA_LONG, VmmRing.FD));
            assertEquals(0xAE03, ring.get(ValueLayout.JAVA_LONG, VmmRing.REQUEST));
            assertEquals(3, ring.get(ValueLayout.JAVA_LONG, VmmRing.ARG_LEN));
            // The VMM answers and writes more than the argument's size: only 3 bytes come back.
            ring.asSlice(VmmRing.ARG_OFFSET, 8).fill((byte) 9);
            ring.set(ValueLayout.JAVA_LONG, VmmRing.ARG_LEN, 1 << 20);
            ring.set(ValueLayout.JAVA_LONG, VmmRing.RESULT, 7);
            VmmRing.Response response = VmmRing.read(ring, request);
            assertArrayEquals(new byte[] {9, 9, 9}, argument.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(7, response.result());
        }
    }

    @Test
    void refusesResultsThatAreNeitherACountNorAnErrno() {
        assertThrows(HypervisorException.class, () -> new VmmRing.Response(-4096, 0, 0).checkedResult());
        assertThrows(HypervisorException.class, () -> new VmmRing.Response(1L << 40, 0, 0).checkedResult());
        assertThrows(HypervisorException.class, () -> new VmmRing.Response(0, -1, 0).remoteFd());
        assertThrows(HypervisorException.class, () -> new VmmRing.Response(0, 1L << 33, 0).remoteFd());
        assertThrows(HypervisorException.class, () -> new VmmRing.Response(0, 3, 0).threadId());
    }

    @Test
    void refusesAnArgumentLargerThanTheRing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(VmmRing.ARG_CAPACITY + 1);
            assertThrows(IllegalArgumentException.class,
                    () -> new VmmRing.Request(VmmRing.Op.IOCTL, 3, 0xAE05, 0, big));
        }
    }

    @Test
    void parsesTheHandshakeAndRefusesGarbage() throws HypervisorException {
        Map<String, String> fields = VmmProcess.parseHandshake("hyperlight-vmm 1 pid=7 ring=3 kvm=-2 tid=7 confinement=seccomp\n");
        assertEquals(-2, VmmProcess.intField(fields, "kvm"));
        assertEquals("seccomp", fields.get("confinement"));
        assertThrows(HypervisorException.class, () -> VmmProcess.parseHandshake("hello"));
        assertThrows(HypervisorException.class, () -> VmmProcess.parseHandshake("hyperlight-vmm 2 pid=1"));
        assertThrows(HypervisorException.class, () -> VmmProcess.parseHandshake(null));
        assertThrows(HypervisorException.class,
                () -> VmmProcess.intField(VmmProcess.parseHandshake("hyperlight-vmm 1 ring=x"), "ring"));
    }
}
