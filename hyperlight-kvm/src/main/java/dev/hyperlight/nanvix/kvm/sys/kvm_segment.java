package dev.hyperlight.nanvix.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.*;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/** {@code struct kvm_segment} of {@code <linux/kvm.h>}: one segment register, unpacked. */
public final class kvm_segment {

    private kvm_segment() {}

    private static final GroupLayout $LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("base"),
            JAVA_INT.withName("limit"),
            JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"),
            JAVA_BYTE.withName("present"),
            JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"),
            JAVA_BYTE.withName("s"),
            JAVA_BYTE.withName("l"),
            JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"),
            JAVA_BYTE.withName("unusable"),
            JAVA_BYTE.withName("padding")
    ).withName("kvm_segment");

    public static GroupLayout layout() {
        return $LAYOUT;
    }

    public static final long base$OFFSET = $LAYOUT.byteOffset(groupElement("base"));
    public static final long limit$OFFSET = $LAYOUT.byteOffset(groupElement("limit"));
    public static final long selector$OFFSET = $LAYOUT.byteOffset(groupElement("selector"));
    public static final long type$OFFSET = $LAYOUT.byteOffset(groupElement("type"));
    public static final long present$OFFSET = $LAYOUT.byteOffset(groupElement("present"));
    public static final long dpl$OFFSET = $LAYOUT.byteOffset(groupElement("dpl"));
    public static final long db$OFFSET = $LAYOUT.byteOffset(groupElement("db"));
    public static final long s$OFFSET = $LAYOUT.byteOffset(groupElement("s"));
    public static final long l$OFFSET = $LAYOUT.byteOffset(groupElement("l"));
    public static final long g$OFFSET = $LAYOUT.byteOffset(groupElement("g"));
    public static final long avl$OFFSET = $LAYOUT.byteOffset(groupElement("avl"));
    public static final long unusable$OFFSET = $LAYOUT.byteOffset(groupElement("unusable"));
    public static final long padding$OFFSET = $LAYOUT.byteOffset(groupElement("padding"));

    public static long base(MemorySegment struct) {
        return struct.get(JAVA_LONG, base$OFFSET);
    }

    public static void base(MemorySegment struct, long fieldValue) {
        struct.set(JAVA_LONG, base$OFFSET, fieldValue);
    }

    public static int limit(MemorySegment struct) {
        return struct.get(JAVA_INT, limit$OFFSET);
    }

    public static void limit(MemorySegment struct, int fieldValue) {
        struct.set(JAVA_INT, limit$OFFSET, fieldValue);
    }

    public static short selector(MemorySegment struct) {
        return struct.get(JAVA_SHORT, selector$OFFSET);
    }

    public static void selector(MemorySegment struct, short fieldValue) {
        struct.set(JAVA_SHORT, selector$OFFSET, fieldValue);
    }

    public static byte type(MemorySegment struct) {
        return struct.get(JAVA_BYTE, type$OFFSET);
    }

    public static void type(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, type$OFFSET, fieldValue);
    }

    public static byte present(MemorySegment struct) {
        return struct.get(JAVA_BYTE, present$OFFSET);
    }

    public static void present(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, present$OFFSET, fieldValue);
    }

    public static byte dpl(MemorySegment struct) {
        return struct.get(JAVA_BYTE, dpl$OFFSET);
    }

    public static void dpl(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, dpl$OFFSET, fieldValue);
    }

    public static byte db(MemorySegment struct) {
        return struct.get(JAVA_BYTE, db$OFFSET);
    }

    public static void db(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, db$OFFSET, fieldValue);
    }

    public static byte s(MemorySegment struct) {
        return struct.get(JAVA_BYTE, s$OFFSET);
    }

    public static void s(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, s$OFFSET, fieldValue);
    }

    public static byte l(MemorySegment struct) {
        return struct.get(JAVA_BYTE, l$OFFSET);
    }

    public static void l(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, l$OFFSET, fieldValue);
    }

    public static byte g(MemorySegment struct) {
        return struct.get(JAVA_BYTE, g$OFFSET);
    }

    public static void g(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, g$OFFSET, fieldValue);
    }

    public static byte avl(MemorySegment struct) {
        return struct.get(JAVA_BYTE, avl$OFFSET);
    }

    public static void avl(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, avl$OFFSET, fieldValue);
    }

    public static byte unusable(MemorySegment struct) {
        return struct.get(JAVA_BYTE, unusable$OFFSET);
    }

    public static void unusable(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, unusable$OFFSET, fieldValue);
    }

    public static byte padding(MemorySegment struct) {
        return struct.get(JAVA_BYTE, padding$OFFSET);
    }

    public static void padding(MemorySegment struct, byte fieldValue) {
        struct.set(JAVA_BYTE, padding$OFFSET, fieldValue);
    }
}
