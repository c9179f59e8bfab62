package dev.hyperlight.nanvix.loader;

/**
 * A segment register in unpacked form (the hidden descriptor cache), field for field what a
 * hypervisor's segment register takes (KVM's {@code struct kvm_segment}).
 *
 * @param limit the limit in bytes, already scaled by the granularity bit (0xffffffff for a flat
 *     4 GiB segment with {@code g} set)
 * @param type the 4-bit type field (code/data or system type)
 * @param s true for code/data, false for system descriptors (TSS, LDT)
 * @param unusable whether the register holds no usable segment (the LDT at entry)
 */
public record SegmentDescriptor(
        long base, int limit, int selector, int type,
        boolean present, int dpl, boolean db, boolean s, boolean l, boolean g, boolean avl,
        boolean unusable) {

    public SegmentDescriptor {
        if ((type & ~0xf) != 0 || (dpl & ~3) != 0 || (selector & ~0xffff) != 0) {
            throw new IllegalArgumentException("invalid segment " + type + "/" + dpl + "/" + selector);
        }
        if (g && (limit & 0xfff) != 0xfff) {
            throw new IllegalArgumentException("a page-granular limit must end in 0xfff");
        }
        if (!g && Integer.compareUnsigned(limit, 0xfffff) > 0) {
            throw new IllegalArgumentException("a byte-granular limit must fit in 20 bits");
        }
    }

    /**
     * The 8-byte GDT entry, or for a system descriptor its first 8 bytes (the second 8 bytes of a
     * 64-bit TSS descriptor hold base bits 32..63, see {@link #encodeHigh()}).
     */
    public long encode() {
        long rawLimit = Integer.toUnsignedLong(g ? limit >>> 12 : limit);
        long access = type
                | (s ? 1 << 4 : 0)
                | (long) dpl << 5
                | (present ? 1 << 7 : 0);
        long flags = (avl ? 1 : 0)
                | (l ? 1 << 1 : 0)
                | (db ? 1 << 2 : 0)
                | (g ? 1 << 3 : 0);
        return (rawLimit & 0xffff)
                | (base & 0xff_ffffL) << 16
                | access << 40
                | (rawLimit >>> 16 & 0xf) << 48
                | flags << 52
                | (base >>> 24 & 0xff) << 56;
    }

    /** The second 8 bytes of a 16-byte system descriptor: base bits 32..63. */
    public long encodeHigh() {
        return base >>> 32;
    }
}
