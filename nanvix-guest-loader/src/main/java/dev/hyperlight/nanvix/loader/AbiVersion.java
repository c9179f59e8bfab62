package dev.hyperlight.nanvix.loader;

/** Version of the host-guest contract in docs/guest-abi.md; the guest kernel names it too. */
public final class AbiVersion {

    /** Passed in RSI at entry and in the boot info; bumped with every change to the contract. */
    public static final int CURRENT = 6;

    private AbiVersion() {}
}
