package dev.hyperlight.nanvix.hypervisor;

/** A segment register in its unpacked (hidden descriptor cache) form. */
public record Segment(
        long base, int limit, int selector, int type,
        boolean present, int dpl, boolean db, boolean s, boolean l, boolean g, boolean avl,
        boolean unusable) {}
