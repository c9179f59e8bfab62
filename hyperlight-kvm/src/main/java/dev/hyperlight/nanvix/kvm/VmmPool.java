package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMM processes started ahead of demand, so that a new VM does not wait for a process start: each
 * {@link #take()} hands one out (one VMM process per VM, never reused) and starts a replacement in
 * the background. When the pool is empty, {@link #take()} starts one itself.
 */
final class VmmPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VmmPool.class);

    private final Path device;
    private final List<String> mode;
    private final int size;
    private final List<String> confinement;
    private final Deque<VmmProcess> ready = new ArrayDeque<>();
    private int starting;
    private boolean closed;

    /**
     * A pool of {@code size} processes that serve in {@code mode} ({@link VmmProcess#start(Path, List)}),
     * {@code first} (started and unused) among them.
     */
    VmmPool(Path device, List<String> mode, int size, VmmProcess first) {
        if (size < 0) {
            throw new IllegalArgumentException("pool size must not be negative: " + size);
        }
        this.device = device;
        this.mode = List.copyOf(mode);
        this.size = size;
        this.confinement = first.confinement();
        ready.add(first);
        refill();
    }

    /** The confinement layers the processes apply on this host (the first one's report). */
    List<String> confinement() {
        return confinement;
    }

    VmmProcess take() throws HypervisorException {
        VmmProcess taken;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the KVM hypervisor is closed");
            }
            taken = ready.pollFirst();
        }
        refill();
        if (taken != null && taken.isAlive()) {
            return taken;
        }
        if (taken != null) {
            taken.close(); // died while waiting: reap it and start afresh
        }
        return VmmProcess.start(device, mode);
    }

    private void refill() {
        int toStart;
        synchronized (this) {
            toStart = closed ? 0 : Math.max(0, size - ready.size() - starting);
            starting += toStart;
        }
        for (int i = 0; i < toStart; i++) {
            Thread.startVirtualThread(this::startOne);
        }
    }

    private void startOne() {
        VmmProcess started = null;
        try {
            started = VmmProcess.start(device, mode);
        } catch (HypervisorException e) {
            LOG.warn("A VMM process for the pool did not start: {}", e.getMessage());
        }
        boolean keep;
        synchronized (this) {
            starting--;
            keep = started != null && !closed;
            if (keep) {
                ready.addLast(started);
            }
        }
        if (!keep && started != null) {
            started.close();
        }
    }

    /** Ends the waiting processes; those already handed out end with their VMs. */
    @Override
    public void close() {
        List<VmmProcess> waiting;
        synchronized (this) {
            closed = true;
            waiting = List.copyOf(ready);
            ready.clear();
        }
        waiting.forEach(VmmProcess::close);
    }
}
