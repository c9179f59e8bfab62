/**
 * The optional HTTP service of Hyperlight-Nanvix: {@link dev.hyperlight.nanvix.server.SandboxServer}
 * runs Python and JavaScript code that callers send as JSON, each run in its own micro-VM (the
 * CLI's {@code hyperlight-nanvix serve} starts it).
 */
module dev.hyperlight.nanvix.server {
    requires transitive dev.hyperlight.nanvix;
    requires io.javalin;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.hyperlight.nanvix.server;
}
