package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.memory.BadGuestAddressException;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.memory.GuestStringTooLongException;
import dev.hyperlight.nanvix.memory.UserMemory;
import dev.hyperlight.nanvix.vfs.GuestNames;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * One system call as a handler sees it: the call's description and its arguments, read from guest
 * memory only through bounds checks. Accessors decode on demand and fail with the errno Linux gives
 * ({@code EFAULT} for memory outside guest RAM, {@code ENAMETOOLONG}) by throwing {@link ErrnoException}, which the table turns into the call's
 * result. Immutable: the {@code with...} methods return a changed copy.
 */
public final class SyscallCall {

    /** Bytes in a path, its NUL included. */
    public static final int PATH_MAX = 4096;
    /** Linux's cap on one read or write (MAX_RW_COUNT): larger counts transfer this much. */
    public static final long MAX_RW_COUNT = 0x7fff_f000L;

    private final Syscall syscall;
    private final long[] arguments;
    /** Paths set by a handler, by argument position; null where the guest's string applies. */
    private final String[] paths;
    private final GuestMemory memory;
    private final RunState runState;

    /** The call {@code request} of the run whose guest RAM is {@code memory}. */
    public SyscallCall(Syscall syscall, SyscallRequest request, GuestMemory memory, RunState runState) {
        this(syscall, new long[] {request.arg0(), request.arg1(), request.arg2(), request.arg3(), request.arg4(),
            request.arg5()}, new String[6], memory, runState);
    }

    private SyscallCall(Syscall syscall, long[] arguments, String[] paths, GuestMemory memory, RunState runState) {
        this.syscall = Objects.requireNonNull(syscall, "syscall");
        this.arguments = arguments;
        this.paths = paths;
        this.memory = Objects.requireNonNull(memory, "memory");
        this.runState = Objects.requireNonNull(runState, "runState");
    }

    public Syscall syscall() {
        return syscall;
    }

    public Sysno sysno() {
        return syscall.sysno();
    }

    /** Linux's name of the call. */
    public String name() {
        return syscall.name();
    }

    /** The raw value of argument register {@code index} (0 to 5). */
    public long argument(int index) {
        return arguments[Objects.checkIndex(index, 6)];
    }

    /** Guest RAM, bounds-checked, for handlers of calls described with raw arguments. */
    public GuestMemory memory() {
        return memory;
    }

    /** State interceptors keep for this run. */
    public RunState runState() {
        return runState;
    }

    /** The first file descriptor argument. */
    public int fd() {
        return fd(position(Syscall.Fd.class, 0));
    }

    /** Argument {@code index} as a file descriptor: its low 32 bits, as Linux reads it. */
    public int fd(int index) {
        return (int) argument(index);
    }

    /** The first path argument. */
    public String path() {
        return path(position(Syscall.Path.class, 0));
    }

    /** Argument {@code index} as a path: the handler's replacement, or the guest's string decoded. */
    public String path(int index) {
        String replaced = paths[Objects.checkIndex(index, 6)];
        return replaced != null ? replaced : readPath(argument(index));
    }

    /**
     * The first buffer argument as a view of guest memory, checked whole, at most {@link
     * #MAX_RW_COUNT} bytes long. Writing to it writes guest memory.
     */
    public MemorySegment buffer() {
        return buffer(position(Syscall.Buffer.class, 0));
    }

    /** Argument {@code index}, described as a buffer, as a bounded view of guest memory. */
    public MemorySegment buffer(int index) {
        if (!(syscall.arguments().get(index) instanceof Syscall.Buffer described)) {
            throw new IllegalArgumentException("argument " + index + " of " + name() + " is not a buffer");
        }
        long length = bufferLength(described);
        return described.output() ? memory.writable(argument(index), length) : memory.readable(argument(index), length);
    }

    /**
     * Argument {@code index}, described as a structure, as a view of guest memory of its size:
     * writable if the call writes it.
     */
    public MemorySegment struct(int index) {
        if (!(syscall.arguments().get(index) instanceof Syscall.Struct described)) {
            throw new IllegalArgumentException("argument " + index + " of " + name() + " is not a structure");
        }
        return described.output() ? memory.writable(argument(index), described.size())
                : memory.readable(argument(index), described.size());
    }

    /**
     * A buffer's length register, at most {@link #MAX_RW_COUNT}: Linux caps a transfer before it
     * looks at the memory. A negative length is left for the range check to refuse.
     */
    private long bufferLength(Syscall.Buffer described) {
        long length = argument(described.lengthArgument());
        return length > MAX_RW_COUNT ? MAX_RW_COUNT : length;
    }

    /**
     * For a call whose pointers are the program's own addresses: checks every described path,
     * buffer and structure against the program's page tables before the call runs, so that a page
     * the guest kernel must map first ({@link UserPageFault}) stops the call before it has any
     * effect. A null pointer is left to the call (some take one: "no times", an fd form).
     *
     * @throws UserPageFault for the first range the tables do not allow
     */
    void checkUserArguments(UserMemory user) {
        List<Syscall.Argument> described = syscall.arguments();
        for (int i = 0; i < described.size(); i++) {
            long address = argument(i);
            if (address == 0) {
                continue;
            }
            try {
                switch (described.get(i)) {
                    case Syscall.Path ignored -> user.readCBytes(address, PATH_MAX - 1);
                    case Syscall.Buffer buffer -> user.check(address, bufferLength(buffer), buffer.output());
                    case Syscall.Struct struct -> user.check(address, struct.size(), struct.output());
                    default -> {
                    }
                }
            } catch (GuestStringTooLongException | BadGuestAddressException e) {
                // Not a page to map: the call meets it again and gives the program its errno.
            }
        }
    }

    /** The first flag argument's value. */
    public long flags() {
        return argument(position(Syscall.Flags.class, 0));
    }

    /** The first flag argument by name, e.g. {@code [O_RDONLY, O_CLOEXEC]}. */
    public List<String> flagNames() {
        int index = position(Syscall.Flags.class, 0);
        return ((Syscall.Flags) syscall.arguments().get(index)).flags().names(argument(index));
    }

    /** A copy with argument register {@code index} set to {@code value} (a replaced path there is dropped). */
    public SyscallCall withArgument(int index, long value) {
        long[] args = arguments.clone();
        args[Objects.checkIndex(index, 6)] = value;
        String[] newPaths = paths.clone();
        newPaths[index] = null;
        return new SyscallCall(syscall, args, newPaths, memory, runState);
    }

    /** A copy whose first path argument is {@code path}. */
    public SyscallCall withPath(String path) {
        return withPath(position(Syscall.Path.class, 0), path);
    }

    /** A copy whose path argument {@code index} is {@code path} (the guest's memory is not changed). */
    public SyscallCall withPath(int index, String path) {
        if (!(syscall.arguments().get(index) instanceof Syscall.Path)) {
            throw new IllegalArgumentException("argument " + index + " of " + name() + " is not a path");
        }
        if (path.indexOf('\0') >= 0 || GuestNames.byteLength(path) >= PATH_MAX) {
            throw new IllegalArgumentException("not a valid guest path: NUL inside, or PATH_MAX bytes or more");
        }
        String[] newPaths = paths.clone();
        newPaths[index] = path;
        return new SyscallCall(syscall, arguments.clone(), newPaths, memory, runState);
    }

    /**
     * The arguments in one line for logs and audit records: {@code dirfd=AT_FDCWD,
     * pathname="/app/x", flags=O_RDONLY|O_CLOEXEC, mode=0}. A path shows as {@link
     * GuestNames#printable} (bytes that are not UTF-8 as {@code \xNN}), or the reason it cannot be
     * read; buffers show their address and length, never their contents.
     */
    public String summary() {
        StringJoiner line = new StringJoiner(", ");
        List<Syscall.Argument> described = syscall.arguments();
        for (int i = 0; i < described.size(); i++) {
            Syscall.Argument argument = described.get(i);
            long raw = argument(i);
            String value = switch (argument) {
                case Syscall.Fd ignored -> fd(i) == -100 ? "AT_FDCWD" : Integer.toString(fd(i));
                case Syscall.Path ignored -> quotedPath(i);
                case Syscall.Buffer buffer -> "0x" + Long.toHexString(raw) + "[" + argument(buffer.lengthArgument())
                        + "]";
                case Syscall.Struct ignored -> "0x" + Long.toHexString(raw);
                case Syscall.Flags flags -> String.join("|", flags.flags().names(raw));
                case Syscall.Value ignored -> Long.toString(raw);
            };
            line.add(argument.name() + "=" + value);
        }
        return line.toString();
    }

    private String quotedPath(int index) {
        try {
            return '"' + GuestNames.printable(path(index)) + '"';
        } catch (ErrnoException e) {
            return "<" + e.errno() + ">";
        } catch (BadGuestAddressException e) {
            return "<EFAULT>";
        }
    }

    /** The path arguments that can be read, for an audit record; one that cannot is left out. */
    List<SyscallAudit.PathArgument> pathArguments() {
        List<SyscallAudit.PathArgument> read = new ArrayList<>();
        List<Syscall.Argument> described = syscall.arguments();
        for (int i = 0; i < described.size(); i++) {
            if (described.get(i) instanceof Syscall.Path argument) {
                try {
                    read.add(new SyscallAudit.PathArgument(argument.name(), path(i)));
                } catch (ErrnoException | BadGuestAddressException e) {
                    // the summary says why
                }
            }
        }
        return read;
    }

    private int position(Class<? extends Syscall.Argument> kind, int n) {
        int index = syscall.positionOf(kind, n);
        if (index < 0) {
            throw new IllegalStateException(name() + " has no " + kind.getSimpleName().toLowerCase() + " argument");
        }
        return index;
    }

    /**
     * A path argument: at most PATH_MAX bytes with its NUL (else ENAMETOOLONG), any bytes, decoded
     * by {@link GuestNames#decode} (bytes that are not UTF-8 survive as escapes).
     */
    private String readPath(long gpa) {
        byte[] bytes;
        try {
            bytes = memory.readCBytes(gpa, PATH_MAX - 1);
        } catch (GuestStringTooLongException e) {
            throw new ErrnoException(Errno.ENAMETOOLONG);
        } catch (BadGuestAddressException e) {
            throw new ErrnoException(Errno.EFAULT, e.getMessage());
        }
        return GuestNames.decode(bytes);
    }

    @Override
    public String toString() {
        return name() + "(" + summary() + ")";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SyscallCall call && call.syscall.equals(syscall)
                && Arrays.equals(call.arguments, arguments) && Arrays.equals(call.paths, paths);
    }

    @Override
    public int hashCode() {
        return Objects.hash(syscall, Arrays.hashCode(arguments), Arrays.hashCode(paths));
    }
}
