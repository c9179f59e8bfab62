package dev.hyperlight.nanvix;

/** How a run's VM got to the program. */
public enum VmStart {
    /** A fresh VM booted the guest kernel from its image and loaded the program. */
    COLD,
    /**
     * The VM is a copy-on-write clone of the runtime's template, captured once where the
     * initialised runtime waits to be told what to run ({@link RuntimeConfig#warmStarts()}).
     */
    WARM
}
