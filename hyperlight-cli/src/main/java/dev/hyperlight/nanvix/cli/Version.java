package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.Sandbox;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the library version and the guest ABI version it speaks. */
final class Version implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {
            "hyperlight-nanvix " + Sandbox.version() + " (guest ABI " + Sandbox.guestAbiVersion() + ")"
        };
    }
}
