/**
 * The optional Model Context Protocol binding of Hyperlight-Nanvix: {@link
 * dev.hyperlight.nanvix.mcp.SandboxMcpTools}, the tools {@code run_python} and {@code
 * run_javascript} for an MCP server (the CLI's {@code hyperlight-nanvix mcp} serves them).
 */
// The MCP SDK's jars are automatic modules (Automatic-Module-Name), and its tool specifications
// are in this module's API: users must read them.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.hyperlight.nanvix.mcp {
    requires transitive dev.hyperlight.nanvix;
    requires transitive io.modelcontextprotocol.sdk.mcp.core;

    exports dev.hyperlight.nanvix.mcp;
}
