package dev.hyperlight.nanvix;

/** How a run's VM got to the program. */
public enum VmStart {
    /**
     * A fresh VM booted the guest kernel from its image and loaded the program: every run starts
     * so today. (A VM restored from a snapshot of a booted one would be a warm start; there are no
     * snapshots yet.)
     */
    COLD
}
