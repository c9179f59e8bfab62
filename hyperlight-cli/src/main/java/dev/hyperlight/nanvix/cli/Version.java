package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.HostPlatform;
import dev.hyperlight.nanvix.Sandbox;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code --version}: the library version, the guest ABI version it speaks, and the hypervisor
 * this host offers (backend and flavour).
 */
final class Version implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {
            "hyperlight-nanvix " + Sandbox.version() + " (guest ABI " + Sandbox.guestAbiVersion() + ")",
            "hypervisor: " + HostPlatform.describe()
        };
    }
}
