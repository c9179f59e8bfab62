package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.file.ConsoleInput;
import dev.hyperlight.nanvix.file.ConsoleOutput;
import dev.hyperlight.nanvix.file.FdTable;
import dev.hyperlight.nanvix.file.PipeBuffer;
import dev.hyperlight.nanvix.process.ProcessControl;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import dev.hyperlight.nanvix.vfs.GuestNamespace.MountPoint;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Node;
import dev.hyperlight.nanvix.vfs.GuestPaths;
import dev.hyperlight.nanvix.vfs.InodeQuota;
import dev.hyperlight.nanvix.vfs.WriteQuota;
import java.io.ByteArrayInputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The host side of one guest process's I/O: its fd table and working directory, and what it shares
 * with the other processes of its run (the virtual file system, quotas, pipes' budget, limits).
 * The calls are grouped by what they work on: {@link #fileSystem()} (paths), {@link
 * #descriptors()} (open files) and {@link #sockets()} (pipes and sockets). Each is one Linux call
 * with Linux's arguments (fds, guest paths, flags) and fails with an {@link ErrnoException}
 * carrying the errno Linux would give. Buffers are segments of guest memory the caller has
 * already bounds-checked.
 *
 * <p>What is enforced here (see docs/security.md): guest paths resolve only inside the namespace
 * of mounts ({@link GuestNamespace}); read-only mounts and virtual directories refuse every
 * change; mounts behave as {@code nodev}: special files cannot be opened; at most {@link
 * IoConfig#maxOpenFiles()} fds and a writable mount's quota of bytes, counted by host inode
 * ({@link InodeQuota}). Namespace changes and lookups are serialized on one lock so a guest
 * cannot race a lookup against a rename.
 */
public final class HostIo implements AutoCloseable {

    static final long CONSOLE_DEVICE = 1;

    // Package-private: the call groups of this package work on this state.
    final GuestNamespace namespace;
    final FdTable fds;
    final Map<String, WriteQuota> quotas;
    final Set<IoLimit> limitsReached;
    final ReentrantLock namespaceLock;
    final SecureRandom random;
    /** Canonical guest path of the working directory; guarded by {@link #namespaceLock}. */
    String workingDirectory;
    /** The process calls of the process this I/O belongs to; see {@link #attach}. */
    volatile ProcessControl processes = ProcessControl.SINGLE;
    /** Inode numbers of pipes and socket pairs, and their memory budget, shared by every process of the run. */
    final AtomicLong pipeInodes;
    final PipeBuffer.Budget pipeBudget;
    /** The next pseudo-terminal's number, shared by every process of the run. */
    final AtomicInteger ptyNumbers;

    private final FileSystemCalls fileSystem = new FileSystemCalls(this);
    private final DescriptorCalls descriptors = new DescriptorCalls(this);
    private final SocketCalls sockets = new SocketCalls(this);

    /**
     * @throws IllegalArgumentException if a mount's host directory is missing or the working
     *     directory is not a directory in the namespace
     */
    public HostIo(IoConfig config) {
        quotas = new HashMap<>();
        limitsReached = EnumSet.noneOf(IoLimit.class);
        namespaceLock = new ReentrantLock();
        random = new SecureRandom();
        pipeInodes = new AtomicLong(1);
        pipeBudget = new PipeBuffer.Budget();
        ptyNumbers = new AtomicInteger();
        fds = new FdTable(config.maxOpenFiles(), () -> reached(IoLimit.OPEN_FILES));
        namespace = new GuestNamespace(config.mounts());
        config.writeQuotas().forEach((guestPath, bytes) -> quotas.put(guestPath, WriteQuota.of(bytes,
                config.mounts().stream().filter(m -> m.guestPath().equals(guestPath)).findFirst().orElseThrow()
                        .hostDir(), () -> reached(IoLimit.WRITE_QUOTA))));
        Node cwd;
        try {
            cwd = namespace.resolve(GuestPaths.ROOT, config.workingDirectory(), true);
        } catch (ErrnoException e) {
            throw new IllegalArgumentException("working directory " + config.workingDirectory()
                    + " cannot be resolved: " + e.errno(), e);
        }
        if (!GuestNamespace.isDirectory(cwd)) {
            throw new IllegalArgumentException("working directory " + config.workingDirectory()
                    + " is not a directory in the guest's mounts");
        }
        workingDirectory = cwd.guestPath();
        Instant now = Instant.now();
        fds.add(new ConsoleInput(config.stdin(), consoleStat(0, now)), false, 0);
        fds.add(new ConsoleOutput(config.stdout(), consoleStat(1, now)), false, 1);
        fds.add(new ConsoleOutput(config.stderr(), consoleStat(2, now)), false, 2);
    }

    /**
     * fork: the child's I/O. It shares the parent's namespace, quotas, limits and open file
     * descriptions (offsets, flags, pipe ends), and starts with a copy of its fd table and working
     * directory.
     */
    private HostIo(HostIo parent) {
        namespace = parent.namespace;
        quotas = parent.quotas;
        limitsReached = parent.limitsReached;
        namespaceLock = parent.namespaceLock;
        random = parent.random;
        pipeInodes = parent.pipeInodes;
        pipeBudget = parent.pipeBudget;
        ptyNumbers = parent.ptyNumbers;
        fds = parent.fds.copy(() -> reached(IoLimit.OPEN_FILES));
        workingDirectory = parent.locked(() -> parent.workingDirectory);
    }

    /** Calls on the file system by path: open, stat, mkdir, rename, link, chmod... */
    public FileSystemCalls fileSystem() {
        return fileSystem;
    }

    /** Calls on open file descriptions: read, write, seek, dup, fcntl, ioctl, fstat... */
    public DescriptorCalls descriptors() {
        return descriptors;
    }

    /** Pipes and sockets. */
    public SocketCalls sockets() {
        return sockets;
    }


    /** A copy of this process's I/O for a forked child; see {@link #HostIo(HostIo)}. Close it separately. */
    public HostIo forkProcess() {
        return new HostIo(this);
    }

    /** Connects the process calls ({@code fork}, {@code execve}, {@code wait4}...) of this I/O's process. */
    public void attach(ProcessControl control) {
        processes = Objects.requireNonNull(control, "control");
    }

    /** The process calls of this I/O's process ({@link ProcessControl#SINGLE} until {@link #attach}). */
    public ProcessControl processes() {
        return processes;
    }

    /** execve: closes the fds marked close-on-exec. */
    public void closeOnExec() {
        fds.closeOnExec();
    }

    /**
     * Opens {@code contents} for reading at fd {@code fd} (replacing what was there), as the
     * console's standard input is: read gives the bytes, then end of file. A warm start hands a
     * clone its command line this way.
     */
    public void installInput(int fd, byte[] contents) {
        fds.install(fd, new ConsoleInput(new ByteArrayInputStream(contents), consoleStat(fd, Instant.now())), false);
    }

    /** The open fd numbers, lowest first. */
    public List<Integer> openDescriptors() {
        return fds.openDescriptors();
    }

    /** The console fds are character devices, like a terminal (but ioctl says they are not one). */
    private static Stat consoleStat(int fd, Instant now) {
        int mode = FileType.CHARACTER_DEVICE.modeBits() | 0620;
        return new Stat(CONSOLE_DEVICE, fd + 1, 1, mode, GuestNamespace.GUEST_OWNER, GuestNamespace.GUEST_OWNER, 0,
                0, GuestNamespace.BLOCK_SIZE, 0, now, now, now);
    }

    /** getrandom: fills {@code buffer} from the host's SecureRandom. */
    public void fillRandom(MemorySegment buffer) {
        byte[] chunk = new byte[(int) Math.min(buffer.byteSize(), 64 * 1024)];
        for (long done = 0; done < buffer.byteSize(); done += chunk.length) {
            int n = (int) Math.min(chunk.length, buffer.byteSize() - done);
            random.nextBytes(chunk);
            MemorySegment.copy(chunk, 0, buffer, ValueLayout.JAVA_BYTE, done, n);
        }
    }

    /** The limits the guest ran into so far (it got EMFILE or ENOSPC). */
    public Set<IoLimit> limitsReached() {
        synchronized (limitsReached) {
            return Set.copyOf(limitsReached);
        }
    }

    void reached(IoLimit limit) {
        synchronized (limitsReached) {
            limitsReached.add(limit);
        }
    }

    WriteQuota quota(MountPoint mount) {
        return quotas.getOrDefault(mount.guestPath(), WriteQuota.NONE);
    }

    /** Closes every fd (flushing, never closing, the console streams). Safe to call twice. */
    @Override
    public void close() {
        fds.closeAll();
    }

    <T> T locked(Supplier<T> action) {
        namespaceLock.lock();
        try {
            return action.get();
        } finally {
            namespaceLock.unlock();
        }
    }
}
