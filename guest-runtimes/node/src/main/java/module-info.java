/**
 * The node runtime image, the resources {@code hyperlight-nanvix/images/node}: names outside any
 * Java package, which the module system leaves unencapsulated. This module has no code; it exists
 * so that an application on the module path can require it.
 */
module dev.hyperlight.nanvix.image.node {
}
