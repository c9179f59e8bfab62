/**
 * The guest kernel binary, the resource {@code hyperlight-nanvix/kernel/nanvix-kernel}: a name
 * outside any Java package, which the module system leaves unencapsulated. This module has no
 * code; it exists so that {@code dev.hyperlight.nanvix} can require it on the module path.
 */
module dev.hyperlight.nanvix.kernel {
}
