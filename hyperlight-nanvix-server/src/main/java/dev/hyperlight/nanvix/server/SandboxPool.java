package dev.hyperlight.nanvix.server;

import dev.hyperlight.nanvix.RunRequest;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The sandboxes a server keeps for its whole life, so that every request of a runtime after the
 * first starts from the same warm-start template: one per guest memory size, opened at its first
 * request. A request asking for less memory gets the smallest of the server's size and its
 * halvings (down to {@link RuntimeConfig#MIN_MEMORY}) that holds it: a handful of sandboxes at
 * most, whatever sizes callers ask for. A sandbox that could not be opened (no hypervisor yet) is
 * tried again at the next request.
 */
final class SandboxPool implements CodeRunner {

    private final RuntimeConfig config;
    /** Open sandboxes by memory size; guards {@link #closed} too. */
    private final Map<Long, Sandbox> sandboxes = new TreeMap<>();
    private boolean closed;

    SandboxPool(RuntimeConfig config) {
        this.config = config;
    }

    @Override
    public RunResult run(RunRequest request, long memoryBytes) throws SandboxException {
        return sandbox(sizeFor(config.memorySize(), memoryBytes)).run(request);
    }

    /** The smallest of {@code serverBytes} and its halvings, none below the minimum, that is at least {@code requested}. */
    static long sizeFor(long serverBytes, long requested) {
        long size = serverBytes;
        while (size / 2 >= requested && size / 2 >= RuntimeConfig.MIN_MEMORY) {
            size /= 2;
        }
        return size;
    }

    private synchronized Sandbox sandbox(long memoryBytes) throws SandboxException {
        if (closed) {
            throw new IllegalStateException("the server is stopping");
        }
        Sandbox sandbox = sandboxes.get(memoryBytes);
        if (sandbox == null) {
            sandbox = new Sandbox(config.toBuilder().memorySize(memoryBytes).build());
            sandboxes.put(memoryBytes, sandbox);
        }
        return sandbox;
    }

    /** Stops the runs still going and closes every sandbox. */
    @Override
    public void close() {
        List<Sandbox> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(sandboxes.values());
            sandboxes.clear();
        }
        open.forEach(Sandbox::close);
    }
}
