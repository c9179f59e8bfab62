package dev.hyperlight.nanvix.loader;

/** How a program is linked, from its ELF type and whether it names an interpreter. */
public enum ElfKind {
    /** {@code ET_EXEC} without {@code PT_INTERP}: {@code gcc -static}. */
    STATIC,
    /** {@code ET_DYN} without {@code PT_INTERP}: {@code gcc -static-pie}, or a dynamic loader. */
    STATIC_PIE,
    /** {@code ET_EXEC} with {@code PT_INTERP}. */
    DYNAMIC,
    /** {@code ET_DYN} with {@code PT_INTERP}: the usual {@code gcc} output. */
    DYNAMIC_PIE;

    static ElfKind of(boolean positionIndependent, boolean hasInterpreter) {
        if (hasInterpreter) {
            return positionIndependent ? DYNAMIC_PIE : DYNAMIC;
        }
        return positionIndependent ? STATIC_PIE : STATIC;
    }

    /** Segment addresses are relative to a load base the loader picks. */
    public boolean isPositionIndependent() {
        return this == STATIC_PIE || this == DYNAMIC_PIE;
    }

    /** Needs the dynamic loader named by {@code PT_INTERP}. */
    public boolean isDynamic() {
        return this == DYNAMIC || this == DYNAMIC_PIE;
    }
}
