/**
 * The starter, artifact {@code dev.hyperlight.nanvix:hyperlight-nanvix}: no code, only what an
 * application needs to run sandboxes. On the module path, {@code requires
 * dev.hyperlight.nanvix.starter;} reads the API ({@code dev.hyperlight.nanvix}, transitively) and
 * resolves the KVM and mshv backends, the guest kernel and the runtime images (base, python,
 * node, quickjs), modules without packages that nothing would otherwise pull into the module graph. Run
 * with {@code --enable-native-access=dev.hyperlight.nanvix.kvm,dev.hyperlight.nanvix.mshv,dev.hyperlight.nanvix.hostmem}.
 */
module dev.hyperlight.nanvix.starter {
    requires transitive dev.hyperlight.nanvix;
    requires dev.hyperlight.nanvix.kvm;
    requires dev.hyperlight.nanvix.mshv;
    requires dev.hyperlight.nanvix.image.base;
    requires dev.hyperlight.nanvix.image.python;
    requires dev.hyperlight.nanvix.image.node;
    requires dev.hyperlight.nanvix.image.quickjs;
}
