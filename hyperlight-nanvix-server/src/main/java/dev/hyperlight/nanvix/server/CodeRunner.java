package dev.hyperlight.nanvix.server;

import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.SandboxException;

/** What runs the server's requests: {@link SandboxPool}, the sandboxes kept across requests. */
interface CodeRunner extends AutoCloseable {

    /** Runs {@code request} in a VM of at least {@code memoryBytes} (at most the server's). */
    RunResult run(RunRequest request, long memoryBytes) throws SandboxException;

    @Override
    void close();
}
