package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hostmem.NativeFailure;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorException.Kind;
import dev.hyperlight.nanvix.hypervisor.SnapshotFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One running VMM process (vmm/src/main.rs): started from the executable this jar ships, it opened
 * the hypervisor device, confined itself and reported its control ring, which this class takes
 * with {@code pidfd_getfd} and maps. Closing it kills and reaps the process and unmaps every ring.
 *
 * <p>The process is trusted only until it has run guest code; after that everything it says is
 * checked ({@link VmmRing}), and a process that dies, stops answering or answers nonsense fails
 * the call with a {@link HypervisorException} that says so.
 */
final class VmmProcess implements AutoCloseable {

    static final String RESOURCE = "/hyperlight-nanvix/vmm/hyperlight-vmm";
    /** How a VMM process of the deployment serves (the tests start others: {@link #start(Path, List)}). */
    static final List<String> SERVE = List.of("serve");
    private static final long HANDSHAKE_TIMEOUT_SECONDS = 10;
    /**
     * How long a caller polls for the response before it sleeps on the futex: a guest that exits
     * often (a forwarded call every few tens of microseconds) is answered without a wake-up,
     * which costs about 30 us across CPUs in a VM like this one. The VMM polls as long after
     * answering (vmm/src/main.rs, POLL_AFTER_ANSWER).
     */
    private static final long POLL_BEFORE_SLEEP_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    /** How long a waiting caller sleeps between checks that the process still lives. */
    private static final long LIVENESS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int REQUIRED_SEALS = libc_h.F_SEAL_SHRINK | libc_h.F_SEAL_GROW | libc_h.F_SEAL_SEAL;

    private final Process process;
    private final int pidfd;
    private final int kvmFdOrErrno;
    private final int mainThreadId;
    private final List<String> confinement;
    private final Ring control;
    /** close() may come twice (a hung run is abandoned, then its VM closes): the pidfd is closed once. */
    private final AtomicBoolean closed = new AtomicBoolean();

    private VmmProcess(Process process, int pidfd, int kvmFdOrErrno, int mainThreadId, List<String> confinement,
            Ring control) {
        this.process = process;
        this.pidfd = pidfd;
        this.kvmFdOrErrno = kvmFdOrErrno;
        this.mainThreadId = mainThreadId;
        this.confinement = confinement;
        this.control = control;
    }

    /** The executable, extracted once per JVM into a private directory (0700). */
    static Path executable() throws HypervisorException {
        return Executable.PATH.orElseThrow();
    }

    /** Starts a VMM process for {@code device} and takes its control ring. */
    static VmmProcess start(Path device) throws HypervisorException {
        return start(device, SERVE);
    }

    /**
     * Starts a VMM process that serves in {@code mode}: {@code serve}, or for the tests {@code
     * serve-malformed} (answers everything out of range) or {@code serve-garbage KIND RUNS} (answers
     * its RUNS-th KVM_RUN with garbage; vmm/src/main.rs).
     */
    static VmmProcess start(Path device, List<String> mode) throws HypervisorException {
        Path executable = executable();
        Executable.verify(executable);
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(mode);
        command.add(device.toString());
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new HypervisorException(Kind.FAILED, "Cannot start the VMM process " + executable + ": " + e.getMessage(), e);
        }
        try {
            Map<String, String> fields = handshake(process);
            int pid = intField(fields, "pid");
            if (pid != process.pid()) {
                throw VmmRing.malformed("pid " + pid + " is not the started process's " + process.pid());
            }
            int pidfd = pidfdOpen(pid);
            try {
                Ring control = new Ring(takeSealedMemfd(pidfd, intField(fields, "ring"), VmmRing.SIZE), process);
                return new VmmProcess(process, pidfd, intField(fields, "kvm"), intField(fields, "tid"),
                        List.of(fields.getOrDefault("confinement", "").split(",")), control);
            } catch (HypervisorException | RuntimeException e) {
                closeFd(pidfd);
                throw e;
            }
        } catch (HypervisorException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Parses the process's one line, e.g. {@code hyperlight-vmm 1 pid=7 ring=3 kvm=4 tid=7 confinement=a,b}. */
    static Map<String, String> parseHandshake(String line) throws HypervisorException {
        String[] words = line == null ? new String[0] : line.strip().split(" ");
        if (words.length < 2 || !words[0].equals("hyperlight-vmm") || !words[1].equals("1")) {
            throw VmmRing.malformed("handshake " + line);
        }
        Map<String, String> fields = new HashMap<>();
        for (String word : Arrays.asList(words).subList(2, words.length)) {
            int equals = word.indexOf('=');
            if (equals < 1) {
                throw VmmRing.malformed("handshake field " + word);
            }
            fields.put(word.substring(0, equals), word.substring(equals + 1));
        }
        return fields;
    }

    static int intField(Map<String, String> fields, String name) throws HypervisorException {
        try {
            return Integer.parseInt(fields.get(name));
        } catch (NumberFormatException e) {
            throw VmmRing.malformed("handshake field " + name + "=" + fields.get(name));
        }
    }

    private static Map<String, String> handshake(Process process) throws HypervisorException {
        InputStream out = process.getInputStream();
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(out, StandardCharsets.US_ASCII)).readLine();
            } catch (IOException e) {
                return null;
            }
        }, Thread::startVirtualThread);
        try {
            String read = line.get(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (read == null) {
                throw new HypervisorException(Kind.FAILED, "The VMM process ended before it was ready"
                        + (process.waitFor(1, TimeUnit.SECONDS) ? " (exit status " + process.exitValue() + ")" : ""));
            }
            return parseHandshake(read);
        } catch (TimeoutException e) {
            throw new HypervisorException(Kind.FAILED, "The VMM process did not report ready in "
                    + HANDSHAKE_TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException(Kind.FAILED, "interrupted while starting the VMM process", e);
        } catch (ExecutionException e) {
            throw new HypervisorException(Kind.FAILED, "Cannot read the VMM process's handshake", e);
        }
    }

    private static int pidfdOpen(long pid) throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            long fd = libc_h.syscall(callState, libc_h.SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
            if (fd < 0) {
                throw NativeFailure.of("pidfd_open of the VMM process", libc_h.errno(callState));
            }
            return (int) fd;
        }
    }

    /**
     * Copies the VMM's file {@code remoteFd} into this process and checks it is a memfd of exactly
     * {@code size} bytes sealed against any change of size, so that no later act of the VMM can
     * make a mapping of it fault here.
     */
    static int takeSealedMemfd(int pidfd, int remoteFd, long size) throws HypervisorException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            long fd = libc_h.syscall(callState, libc_h.SYS_pidfd_getfd, pidfd, remoteFd, 0, 0, 0, 0);
            if (fd < 0) {
                throw NativeFailure.of("pidfd_getfd of the VMM process's memfd " + remoteFd, libc_h.errno(callState));
            }
            int local = (int) fd;
            int seals = libc_h.fcntl(callState, local, libc_h.F_GET_SEALS, 0);
            long fileSize = libc_h.lseek(callState, local, 0, libc_h.SEEK_END);
            if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS || fileSize != size) {
                closeFd(local);
                throw VmmRing.malformed("file " + remoteFd + " is not a sealed memfd of " + size + " bytes (seals "
                        + seals + ", size " + fileSize + ")");
            }
            return local;
        }
    }

    static void closeFd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            libc_h.close(arena.allocate(libc_h.CALL_STATE_LAYOUT), fd);
        }
    }

    /** {@code /dev/kvm}'s descriptor in the VMM process; throws the open failure if it could not open it. */
    int kvmFd(Path device) throws HypervisorException {
        if (kvmFdOrErrno < 0) {
            throw KvmHypervisor.openFailure(device, -kvmFdOrErrno);
        }
        return kvmFdOrErrno;
    }

    /** The layers of confinement the process applied, e.g. {@code seccomp}, {@code landlock-fs}. */
    List<String> confinement() {
        return confinement;
    }

    long pid() {
        return process.pid();
    }

    int mainThreadId() {
        return mainThreadId;
    }

    Ring control() {
        return control;
    }

    /** Maps a memfd the VMM made and reported in a response: guest RAM or a vCPU ring. */
    int take(int remoteFd, long size) throws HypervisorException {
        return takeSealedMemfd(pidfd, remoteFd, size);
    }

    /** Takes and maps a vCPU ring the VMM made and reported. */
    Ring openRing(int remoteFd) throws HypervisorException {
        return new Ring(take(remoteFd, VmmRing.SIZE), process);
    }

    /** Stops a run on the VMM's thread {@code tid}: a caught signal makes its KVM_RUN return EINTR. */
    void kick(int tid) {
        try (Arena arena = Arena.ofConfined()) {
            libc_h.syscall(arena.allocate(libc_h.CALL_STATE_LAYOUT), libc_h.SYS_tgkill, process.pid(), tid,
                    libc_h.SIGUSR1, 0, 0, 0);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Kills and reaps the process; its rings' callers fail at their next check. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeFd(pidfd);
        control.close();
    }

    /** One mapped ring: one call at a time, from any thread. */
    static final class Ring implements AutoCloseable {

        private final Arena arena = Arena.ofShared();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final MemorySegment shared;
        private final Process process;
        private final int fd;

        Ring(int fd, Process process) throws HypervisorException {
            this.fd = fd;
            this.process = process;
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment callState = scratch.allocate(libc_h.CALL_STATE_LAYOUT);
                MemorySegment mapped = libc_h.mmap(callState, MemorySegment.NULL, VmmRing.SIZE,
                        libc_h.PROT_READ | libc_h.PROT_WRITE, libc_h.MAP_SHARED, fd, 0);
                if (mapped.address() == libc_h.MAP_FAILED) {
                    int errno = libc_h.errno(callState);
                    closeFd(fd);
                    arena.close();
                    throw NativeFailure.of("mmap of a VMM ring", errno);
                }
                shared = reinterpret(mapped);
            }
        }

        @SuppressWarnings("restricted") // the mapping just made, of the ring's size; unmapped with the arena
        private MemorySegment reinterpret(MemorySegment mapped) {
            return mapped.reinterpret(VmmRing.SIZE, arena, segment -> {
                try (Arena scratch = Arena.ofConfined()) {
                    libc_h.munmap(scratch.allocate(libc_h.CALL_STATE_LAYOUT), segment, VmmRing.SIZE);
                }
            });
        }

        /**
         * Makes one call and waits for its response; fails if the process dies meanwhile, or was
         * killed (distrusted, {@link VmmProcess#close()}) before or during the call.
         */
        synchronized VmmRing.Response call(VmmRing.Request request) throws HypervisorException {
            try {
                return callOpen(request);
            } catch (IllegalStateException unmapped) {
                if (!closed.get()) {
                    throw unmapped;
                }
                throw new HypervisorException(Kind.FAILED, "the VMM process was ended before " + request.op()
                        + " was answered");
            }
        }

        private VmmRing.Response callOpen(VmmRing.Request request) throws HypervisorException {
            VmmRing.write(shared, request);
            shared.set(ValueLayout.JAVA_INT, VmmRing.STATE, VmmRing.STATE_REQUEST);
            futex(libc_h.FUTEX_WAKE, 1, 0);
            long pollUntil = System.nanoTime() + POLL_BEFORE_SLEEP_NANOS;
            while (true) {
                int state = (int) ValueLayout.JAVA_INT.varHandle().getAcquire(shared, VmmRing.STATE);
                if (state == VmmRing.STATE_RESPONSE) {
                    VmmRing.Response response = VmmRing.read(shared, request);
                    shared.set(ValueLayout.JAVA_INT, VmmRing.STATE, VmmRing.STATE_IDLE);
                    return response;
                }
                if (System.nanoTime() < pollUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                if (!process.isAlive()) {
                    throw new HypervisorException(Kind.FAILED, "the VMM process ended (exit status "
                            + process.exitValue() + ") during " + request.op());
                }
                futex(libc_h.FUTEX_WAIT, state, LIVENESS_CHECK_NANOS);
            }
        }

        /** What the next {@code KVM_RUN} on this ring finds in {@code immediate_exit}; any thread. */
        void immediateExit(boolean set) {
            ValueLayout.JAVA_INT.varHandle().setRelease(shared, VmmRing.IMMEDIATE_EXIT, set ? 1 : 0);
        }

        /** This ring's copy of the VMM's {@code kvm_run}, made at the last run's end. */
        MemorySegment shared() {
            return shared;
        }

        private void futex(int op, int value, long timeoutNanos) {
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment timeout = MemorySegment.NULL;
                if (timeoutNanos > 0) {
                    timeout = scratch.allocate(ValueLayout.JAVA_LONG, 2);
                    timeout.setAtIndex(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
                    timeout.setAtIndex(ValueLayout.JAVA_LONG, 1, timeoutNanos % 1_000_000_000L);
                }
                libc_h.syscall(scratch.allocate(libc_h.CALL_STATE_LAYOUT), libc_h.SYS_futex,
                        shared.address() + VmmRing.STATE, op, value, timeout.address(), 0, 0);
            }
        }

        /** Unmaps the ring, once; a call still inside it on another thread fails instead of faulting. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                closeFd(fd);
                try {
                    arena.close();
                } catch (IllegalStateException inUse) {
                    // A native call holds the segment: the ring stays mapped, a leak of one ring in that race.
                }
            }
        }
    }

    /** The extracted executable, checked against the digest of the jar's copy before each start. */
    private static final class Executable {

        private static final byte[] BYTES = load();
        private static final String DIGEST = BYTES.length == 0 ? "" : SnapshotFile.sha256Hex(BYTES);
        static final Lazy PATH = new Lazy();

        private static byte[] load() {
            try (InputStream in = VmmProcess.class.getResourceAsStream(RESOURCE)) {
                return in == null ? new byte[0] : in.readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        }

        static void verify(Path path) throws HypervisorException {
            try {
                if (!SnapshotFile.sha256Hex(Files.readAllBytes(path)).equals(DIGEST)) {
                    throw new HypervisorException(Kind.FAILED, "The VMM executable " + path
                            + " differs from the one this jar ships: refusing to start it.");
                }
            } catch (IOException e) {
                throw new HypervisorException(Kind.FAILED, "Cannot read the VMM executable " + path, e);
            }
        }

        /** Extracts on first use; a failure is remembered and reported each time. */
        static final class Lazy {
            private Path path;
            private HypervisorException failure;

            synchronized Path orElseThrow() throws HypervisorException {
                if (path == null && failure == null) {
                    try {
                        path = extract();
                    } catch (HypervisorException e) {
                        failure = e;
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                return path;
            }
        }

        private static Path extract() throws HypervisorException {
            if (BYTES.length == 0) {
                throw new HypervisorException(Kind.UNSUPPORTED,
                        "This build of hyperlight-kvm has no VMM executable (" + RESOURCE + ").");
            }
            try {
                Path directory = Files.createTempDirectory("hyperlight-vmm-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                Path file = directory.resolve("hyperlight-vmm");
                Files.write(file, BYTES);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
                file.toFile().deleteOnExit();
                directory.toFile().deleteOnExit();
                return file;
            } catch (IOException e) {
                throw new HypervisorException(Kind.FAILED, "Cannot extract the VMM executable: " + e.getMessage(), e);
            }
        }
    }
}
