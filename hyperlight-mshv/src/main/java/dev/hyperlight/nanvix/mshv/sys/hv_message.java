package dev.hyperlight.nanvix.mshv.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** The TLFS (Hyper-V Top Level Functional Specification) structure {@code HV_MESSAGE}, packed: the intercept message {@code MSHV_RUN_VP} copies out; TlfsLayoutTest checks the documented offsets. */
public final class hv_message {

    private hv_message() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_INT_UNALIGNED.withName("message_type"),
            JAVA_BYTE.withName("payload_size"),
            JAVA_BYTE.withName("message_flags"),
            JAVA_SHORT_UNALIGNED.withName("reserved"),
            JAVA_LONG_UNALIGNED.withName("sender"),
            MemoryLayout.sequenceLayout(240, JAVA_BYTE).withName("payload")
    ).withName("hv_message");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long message_type$OFFSET = $LAYOUT.byteOffset(groupElement("message_type"));

    public static int message_type(MemorySegment struct) {
        return struct.get(JAVA_INT_UNALIGNED, message_type$OFFSET);
    }

    public static void message_type(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT_UNALIGNED, message_type$OFFSET, fieldValue);
    }

    public static final long payload_size$OFFSET = $LAYOUT.byteOffset(groupElement("payload_size"));

    public static byte payload_size(MemorySegment struct) {
        return struct.get(JAVA_BYTE, payload_size$OFFSET);
    }

    public static void payload_size(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, payload_size$OFFSET, fieldValue);
    }

    public static final long message_flags$OFFSET = $LAYOUT.byteOffset(groupElement("message_flags"));

    public static byte message_flags(MemorySegment struct) {
        return struct.get(JAVA_BYTE, message_flags$OFFSET);
    }

    public static void message_flags(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, message_flags$OFFSET, fieldValue);
    }

    public static final long reserved$OFFSET = $LAYOUT.byteOffset(groupElement("reserved"));

    public static short reserved(MemorySegment struct) {
        return struct.get(JAVA_SHORT_UNALIGNED, reserved$OFFSET);
    }

    public static void reserved(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT_UNALIGNED, reserved$OFFSET, fieldValue);
    }

    public static final long sender$OFFSET = $LAYOUT.byteOffset(groupElement("sender"));

    public static long sender(MemorySegment struct) {
        return struct.get(JAVA_LONG_UNALIGNED, sender$OFFSET);
    }

    public static void sender(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG_UNALIGNED, sender$OFFSET, fieldValue);
    }

    public static final long payload$OFFSET = $LAYOUT.byteOffset(groupElement("payload"));

    public static MemorySegment payload(MemorySegment struct) {
        return struct.asSlice(payload$OFFSET, $LAYOUT.select(groupElement("payload")).byteSize());
    }
}
