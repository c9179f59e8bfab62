/**
 * The quickjs runtime image, the resources {@code hyperlight-nanvix/images/quickjs}: names outside any
 * Java package, which the module system leaves unencapsulated. This module has no code; it exists
 * so that an application on the module path can require it (or {@code dev.hyperlight.nanvix.starter}).
 */
module dev.hyperlight.nanvix.image.quickjs {
}
