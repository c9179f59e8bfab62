package dev.hyperlight.nanvix.loader;

/** The segment registers the host loads before the first entry. */
public record SegmentRegisters(
        SegmentDescriptor cs, SegmentDescriptor ds, SegmentDescriptor es,
        SegmentDescriptor fs, SegmentDescriptor gs, SegmentDescriptor ss,
        SegmentDescriptor tr, SegmentDescriptor ldt) {}
