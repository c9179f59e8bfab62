package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMM processes started ahead of demand, so that a new VM does not wait for a process start: each
 * {@link #take()} that needs a process hands one out and starts a replacement in the background.
 * When the pool is empty, {@link #take()} starts one itself.
 *
 * <p>With one VM per process (the default) a process is never reused: it ends with its VM. With
 * more, a process hosts up to that many VMs of this pool's hypervisor (one sandbox) at once and
 * serves later ones too; {@link #take()} packs VMs into the fullest process with room, and a
 * process left without VMs is kept only while no other has room. A process that died or was
 * distrusted ({@link VmmProcess#close()}) is never handed out again.
 */
final class VmmPool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VmmPool.class);

    private final Path device;
    private final List<String> mode;
    private final int size;
    private final int vmsPerProcess;
    private final List<String> confinement;
    /** Started, no guest ran in them yet. */
    private final Deque<VmmProcess> ready = new ArrayDeque<>();
    /** With {@code vmsPerProcess > 1}: the processes handed out, and how many VMs each hosts now. */
    private final Map<VmmProcess, Integer> hosting = new LinkedHashMap<>();
    private int starting;
    private boolean closed;

    /**
     * A pool of {@code size} processes that serve in {@code mode} ({@link VmmProcess#start(Path, List)}),
     * {@code first} (started and unused) among them, each hosting up to {@code vmsPerProcess} VMs.
     */
    VmmPool(Path device, List<String> mode, int size, int vmsPerProcess, VmmProcess first) {
        if (size < 0 || vmsPerProcess < 1) {
            throw new IllegalArgumentException("pool size " + size + " or VMs per process " + vmsPerProcess);
        }
        this.device = device;
        this.mode = List.copyOf(mode);
        this.size = size;
        this.vmsPerProcess = vmsPerProcess;
        this.confinement = first.confinement();
        ready.add(first);
        refill();
    }

    /** The confinement layers the processes apply on this host (the first one's report). */
    List<String> confinement() {
        return confinement;
    }

    /** The most VMs one process hosts at once. */
    int vmsPerProcess() {
        return vmsPerProcess;
    }

    /** A process for one more VM; give it back with {@link #release(VmmProcess)} when the VM closes. */
    VmmProcess take() throws HypervisorException {
        if (vmsPerProcess > 1) {
            return takeShared();
        }
        VmmProcess taken;
        synchronized (this) {
            checkOpen();
            taken = ready.pollFirst();
        }
        refill();
        return alive(taken);
    }

    /**
     * Under the lock throughout, a process start included: VMs asked for at once go into one
     * process rather than each into a fresh one.
     */
    private synchronized VmmProcess takeShared() throws HypervisorException {
        checkOpen();
        VmmProcess taken = fullestWithRoom();
        if (taken != null) {
            hosting.merge(taken, 1, Integer::sum);
            return taken;
        }
        taken = alive(ready.pollFirst());
        hosting.put(taken, 1);
        refill();
        return taken;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the KVM hypervisor is closed");
        }
    }

    /** {@code taken} if it lives, else a process started now (reaping the dead one). */
    private VmmProcess alive(VmmProcess taken) throws HypervisorException {
        if (taken != null && taken.isAlive()) {
            return taken;
        }
        if (taken != null) {
            taken.close(); // died while waiting: reap it and start afresh
        }
        return VmmProcess.start(device, mode);
    }

    /** The living process hosting the most VMs that has room for one more; null if none. Under the lock. */
    private VmmProcess fullestWithRoom() {
        hosting.keySet().removeIf(process -> !process.isAlive() && hosting.get(process) == 0);
        return hosting.entrySet().stream()
                .filter(this::hasRoom)
                .max(Comparator.comparingInt(Map.Entry::getValue))
                .map(Map.Entry::getKey)
                .orElse(null);
    }

    /** Whether the process of {@code entry} (of {@link #hosting}) lives and may host one more VM. */
    private boolean hasRoom(Map.Entry<VmmProcess, Integer> entry) {
        return entry.getValue() < vmsPerProcess && entry.getKey().isAlive();
    }

    /**
     * Gives back the process of a VM that closed: with one VM per process it ends; a shared one
     * hosts one VM less, and ends when it hosts none while another process has room (or the
     * pool is closed, or it died).
     */
    void release(VmmProcess process) {
        boolean end;
        synchronized (this) {
            Integer vms = hosting.get(process);
            if (vms == null) {
                end = true;
            } else if (vms > 1) {
                hosting.put(process, vms - 1);
                end = false;
            } else {
                hosting.put(process, 0);
                end = closed || !process.isAlive() || hosting.entrySet().stream()
                        .anyMatch(entry -> entry.getKey() != process && hasRoom(entry));
                if (end) {
                    hosting.remove(process);
                }
            }
        }
        if (end) {
            process.close();
        }
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

    /** Ends the waiting processes and the shared ones without VMs; the others end with their last VM. */
    @Override
    public void close() {
        List<VmmProcess> waiting;
        synchronized (this) {
            closed = true;
            waiting = new ArrayList<>(ready);
            ready.clear();
            hosting.forEach((process, vms) -> {
                if (vms == 0) {
                    waiting.add(process);
                }
            });
            hosting.values().removeIf(vms -> vms == 0);
        }
        waiting.forEach(VmmProcess::close);
    }
}
