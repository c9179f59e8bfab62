package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Epoll;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A system call the host can be asked to decide, with the kinds of its arguments, so a {@link
 * SyscallCall} can hand them to handlers typed and validated (paths as strings, buffers as bounded
 * views, flags by name). The constants are the calls the guest kernel forwards (docs/guest-abi.md);
 * {@link #of(Sysno)} describes any other Linux call with raw arguments.
 *
 * @param sysno the Linux call
 * @param arguments the kinds of its arguments, in register order
 */
public record Syscall(Sysno sysno, List<Argument> arguments) {

    public Syscall {
        Objects.requireNonNull(sysno, "sysno");
        arguments = List.copyOf(arguments);
        if (arguments.size() > 6) {
            throw new IllegalArgumentException(sysno.linuxName() + " has more than six arguments");
        }
    }

    /** What one argument register holds. */
    public sealed interface Argument {
        String name();
    }

    /** A file descriptor (the register's low 32 bits, as Linux reads it). */
    public record Fd(String name) implements Argument {}

    /** A guest path: a NUL-terminated UTF-8 string of at most PATH_MAX bytes. */
    public record Path(String name) implements Argument {}

    /**
     * A guest buffer whose length is argument {@code lengthArgument}.
     *
     * @param output whether the host writes into it
     */
    public record Buffer(String name, int lengthArgument, boolean output) implements Argument {}

    /** A fixed-size guest structure ({@code struct stat}, {@code struct timespec}...). */
    public record Struct(String name, long size, boolean output) implements Argument {}

    /** A flag word, decoded by {@code flags}. */
    public record Flags(String name, FlagSet flags) implements Argument {}

    /** A number taken as it is (a mode, a count, an offset, a command). */
    public record Value(String name) implements Argument {}

    /** Names of the bits of a flag word, Linux's spelling. */
    public record FlagSet(List<Flag> flags, int accessModeMask) {
        public record Flag(String name, long bits) {}

        public FlagSet {
            flags = List.copyOf(flags);
        }

        /** The names of the bits set in {@code value}, and any unknown rest in hex. */
        public List<String> names(long value) {
            Stream.Builder<String> names = Stream.builder();
            long rest = value;
            if (accessModeMask != 0) {
                long mode = value & accessModeMask;
                names.add(switch ((int) mode) {
                    case Fcntl.O_RDONLY -> "O_RDONLY";
                    case Fcntl.O_WRONLY -> "O_WRONLY";
                    case Fcntl.O_RDWR -> "O_RDWR";
                    default -> "O_ACCMODE";
                });
                rest &= ~accessModeMask;
            }
            for (Flag flag : flags) {
                if ((rest & flag.bits()) == flag.bits() && flag.bits() != 0) {
                    names.add(flag.name());
                    rest &= ~flag.bits();
                }
            }
            if (rest != 0) {
                names.add("0x" + Long.toHexString(rest));
            }
            return names.build().toList();
        }
    }

    private static FlagSet flagSet(int accessModeMask, Object... nameBitPairs) {
        FlagSet.Flag[] flags = new FlagSet.Flag[nameBitPairs.length / 2];
        for (int i = 0; i < flags.length; i++) {
            flags[i] = new FlagSet.Flag((String) nameBitPairs[2 * i], ((Number) nameBitPairs[2 * i + 1]).longValue());
        }
        return new FlagSet(Arrays.asList(flags), accessModeMask);
    }

    public static final FlagSet OPEN_FLAGS = flagSet(Fcntl.O_ACCMODE,
            "O_CREAT", Fcntl.O_CREAT, "O_EXCL", Fcntl.O_EXCL, "O_NOCTTY", Fcntl.O_NOCTTY, "O_TRUNC", Fcntl.O_TRUNC,
            "O_APPEND", Fcntl.O_APPEND, "O_NONBLOCK", Fcntl.O_NONBLOCK, "O_LARGEFILE", Fcntl.O_LARGEFILE,
            "O_DIRECTORY", Fcntl.O_DIRECTORY, "O_NOFOLLOW", Fcntl.O_NOFOLLOW, "O_CLOEXEC", Fcntl.O_CLOEXEC,
            "O_PATH", Fcntl.O_PATH, "O_TMPFILE", Fcntl.O_TMPFILE_BIT);
    public static final FlagSet AT_FLAGS = flagSet(0,
            "AT_SYMLINK_NOFOLLOW", Fcntl.AT_SYMLINK_NOFOLLOW, "AT_REMOVEDIR", Fcntl.AT_REMOVEDIR,
            "AT_NO_AUTOMOUNT", Fcntl.AT_NO_AUTOMOUNT, "AT_EMPTY_PATH", Fcntl.AT_EMPTY_PATH,
            "AT_SYMLINK_FOLLOW", Fcntl.AT_SYMLINK_FOLLOW);
    public static final FlagSet SOCKET_TYPE = flagSet(0,
            "SOCK_STREAM", 1, "SOCK_DGRAM", 2, "SOCK_RAW", 3, "SOCK_NONBLOCK", 04000, "SOCK_CLOEXEC", 02000000);
    public static final FlagSet EVENTFD_FLAGS = flagSet(0,
            "EFD_SEMAPHORE", 1, "EFD_NONBLOCK", Fcntl.O_NONBLOCK, "EFD_CLOEXEC", Fcntl.O_CLOEXEC);
    public static final FlagSet EPOLL_FLAGS = flagSet(0, "EPOLL_CLOEXEC", Fcntl.O_CLOEXEC);
    public static final FlagSet MEMFD_FLAGS = flagSet(0,
            "MFD_CLOEXEC", 1, "MFD_ALLOW_SEALING", 2, "MFD_HUGETLB", 4, "MFD_NOEXEC_SEAL", 8, "MFD_EXEC", 0x10);
    public static final FlagSet MSG_FLAGS = flagSet(0,
            "MSG_OOB", 1, "MSG_PEEK", 2, "MSG_DONTROUTE", 4, "MSG_TRUNC", 0x20, "MSG_DONTWAIT", 0x40, "MSG_EOR", 0x80,
            "MSG_WAITALL", 0x100, "MSG_NOSIGNAL", 0x4000, "MSG_MORE", 0x8000);

    private static Fd fd(String name) {
        return new Fd(name);
    }

    private static Path path(String name) {
        return new Path(name);
    }

    private static Value value(String name) {
        return new Value(name);
    }

    private static Syscall call(Sysno sysno, Argument... arguments) {
        return new Syscall(sysno, List.of(arguments));
    }

    /** A default implementation: Linux's semantics over the sandbox's {@link HostIo}. */
    @FunctionalInterface
    interface Implementation {
        long run(SyscallCall call, HostIo io);
    }

    /**
     * One forwarded call as declared below: its description, its default, whether it is "the
     * network", whether the guest kernel may pass the program's own addresses for its described
     * pointers (every pointer it takes is a described path, buffer or structure), and for a vectored
     * call the call it is decided as (else null).
     */
    private record Declaration(Syscall syscall, Implementation implementation, boolean network,
            boolean userAddresses, Syscall decidedAs) {}

    /**
     * Filled by {@link #forwarded} and {@link #network} while this class initializes (the rows
     * below, in order), and only read after: everything else about the forwarded calls is
     * derived from it.
     */
    private static final Map<Sysno, Declaration> DECLARED = new EnumMap<>(Sysno.class);

    private static Syscall declare(Sysno sysno, Implementation implementation, boolean network, boolean userAddresses,
            Argument... arguments) {
        Syscall syscall = call(sysno, arguments);
        return declare(syscall, new Declaration(syscall, implementation, network, userAddresses, null));
    }

    private static Syscall declare(Syscall syscall, Declaration declaration) {
        Sysno sysno = syscall.sysno();
        if (DECLARED.put(sysno, declaration) != null) {
            throw new IllegalStateException(sysno.linuxName() + " is declared twice");
        }
        return syscall;
    }

    /** A call the guest kernel forwards, accepted by the default table. */
    private static Syscall forwarded(Sysno sysno, Implementation implementation, Argument... arguments) {
        return declare(sysno, implementation, false, false, arguments);
    }

    /**
     * A forwarded call whose pointers the guest kernel passes as the program's own addresses
     * (docs/guest-abi.md, "User addresses"): the host reads and writes the program's pages.
     */
    private static Syscall direct(Sysno sysno, Implementation implementation, Argument... arguments) {
        return declare(sysno, implementation, false, true, arguments);
    }

    /**
     * A vectored call: it arrives with the program's iovec array (its own addresses) and is decided
     * as {@code decidedAs}, the plain read or write, over the vectors gathered into one buffer
     * ({@link dev.hyperlight.nanvix.memory.IoVectors}). So a policy on read or write covers the
     * vectored forms too, and a table has no entry of their own for them.
     */
    private static Syscall vectored(Sysno sysno, Syscall decidedAs, Argument... arguments) {
        Syscall syscall = call(sysno, arguments);
        return declare(syscall, new Declaration(syscall, null, false, true, decidedAs));
    }

    /** A socket call: forwarded, denied by the default table except on AF_UNIX sockets. */
    private static Syscall network(Sysno sysno, Implementation implementation, Argument... arguments) {
        return declare(sysno, implementation, true, false, arguments);
    }

    // The forwarded calls, one row each: number, arguments and default implementation. The
    // guest kernel's list (guest-kernel/src/host/forwarded.rs) must name the same calls
    // (ForwardedCallsTest); docs/guest-abi.md, "Forwarded system calls", says how each arrives.
    public static final Syscall READ = direct(Sysno.READ, DefaultSyscalls::read, fd("fd"),
            new Buffer("buf", 2, true), value("count"));
    public static final Syscall WRITE = direct(Sysno.WRITE, DefaultSyscalls::write, fd("fd"),
            new Buffer("buf", 2, false), value("count"));
    public static final Syscall CLOSE = forwarded(Sysno.CLOSE, DefaultSyscalls::close, fd("fd"));
    public static final Syscall LSEEK = forwarded(Sysno.LSEEK, DefaultSyscalls::lseek, fd("fd"), value("offset"),
            value("whence"));
    public static final Syscall IOCTL = direct(Sysno.IOCTL, DefaultSyscalls::ioctl, fd("fd"), value("request"),
            value("arg"));
    public static final Syscall PREAD64 = direct(Sysno.PREAD64, DefaultSyscalls::pread64, fd("fd"),
            new Buffer("buf", 2, true), value("count"), value("offset"));
    public static final Syscall PWRITE64 = direct(Sysno.PWRITE64, DefaultSyscalls::pwrite64, fd("fd"),
            new Buffer("buf", 2, false), value("count"), value("offset"));
    /** readv, and preadv2 at the current position with no flags. */
    public static final Syscall READV = vectored(Sysno.READV, READ, fd("fd"), value("iov"), value("iovcnt"));
    /** writev, and pwritev2 at the current position with no flags. */
    public static final Syscall WRITEV = vectored(Sysno.WRITEV, WRITE, fd("fd"), value("iov"), value("iovcnt"));
    public static final Syscall DUP = forwarded(Sysno.DUP, DefaultSyscalls::dup, fd("oldfd"));
    public static final Syscall NANOSLEEP = forwarded(Sysno.NANOSLEEP, DefaultSyscalls::nanosleep,
            new Struct("req", 16, false), new Struct("rem", 16, true));
    public static final Syscall FCNTL = forwarded(Sysno.FCNTL, DefaultSyscalls::fcntl, fd("fd"), value("cmd"),
            value("arg"));
    public static final Syscall FSYNC = forwarded(Sysno.FSYNC, DefaultSyscalls::fsync, fd("fd"));
    public static final Syscall FTRUNCATE = forwarded(Sysno.FTRUNCATE, DefaultSyscalls::ftruncate, fd("fd"),
            value("length"));
    public static final Syscall GETCWD = direct(Sysno.GETCWD, DefaultSyscalls::getcwd, new Buffer("buf", 1, true),
            value("size"));
    public static final Syscall CHDIR = direct(Sysno.CHDIR, DefaultSyscalls::chdir, path("path"));
    public static final Syscall FCHDIR = forwarded(Sysno.FCHDIR, DefaultSyscalls::fchdir, fd("fd"));
    public static final Syscall GETDENTS64 = direct(Sysno.GETDENTS64, DefaultSyscalls::getdents64, fd("fd"),
            new Buffer("dirp", 2, true), value("count"));
    public static final Syscall OPENAT = direct(Sysno.OPENAT, DefaultSyscalls::openat, fd("dirfd"), path("pathname"),
            new Flags("flags", OPEN_FLAGS), value("mode"));
    public static final Syscall MKDIRAT = direct(Sysno.MKDIRAT, DefaultSyscalls::mkdirat, fd("dirfd"),
            path("pathname"), value("mode"));
    public static final Syscall NEWFSTATAT = direct(Sysno.NEWFSTATAT, DefaultSyscalls::newfstatat, fd("dirfd"),
            path("pathname"), new Struct("statbuf", 144, true), new Flags("flags", AT_FLAGS));
    public static final Syscall STATFS = direct(Sysno.STATFS, DefaultSyscalls::statfs, path("path"),
            new Struct("buf", 120, true));
    public static final Syscall FSTATFS = direct(Sysno.FSTATFS, DefaultSyscalls::fstatfs, fd("fd"),
            new Struct("buf", 120, true));
    public static final Syscall UNLINKAT = direct(Sysno.UNLINKAT, DefaultSyscalls::unlinkat, fd("dirfd"),
            path("pathname"), new Flags("flags", AT_FLAGS));
    public static final Syscall READLINKAT = direct(Sysno.READLINKAT, DefaultSyscalls::readlinkat, fd("dirfd"),
            path("pathname"), new Buffer("buf", 3, true), value("bufsiz"));
    public static final Syscall FACCESSAT = direct(Sysno.FACCESSAT, DefaultSyscalls::faccessat, fd("dirfd"),
            path("pathname"), value("mode"), new Flags("flags", AT_FLAGS));
    public static final Syscall DUP3 = forwarded(Sysno.DUP3, DefaultSyscalls::dup3, fd("oldfd"), fd("newfd"),
            new Flags("flags", OPEN_FLAGS));
    public static final Syscall RENAMEAT2 = direct(Sysno.RENAMEAT2, DefaultSyscalls::renameat2, fd("olddirfd"),
            path("oldpath"), fd("newdirfd"), path("newpath"), value("flags"));
    /** fchmod arrives with an empty path and AT_EMPTY_PATH in flags (0 otherwise). */
    public static final Syscall FCHMODAT = direct(Sysno.FCHMODAT, DefaultSyscalls::fchmodat, fd("dirfd"),
            path("pathname"), value("mode"), new Flags("flags", AT_FLAGS));
    public static final Syscall UTIMENSAT = forwarded(Sysno.UTIMENSAT, DefaultSyscalls::utimensat, fd("dirfd"),
            path("pathname"), new Struct("times", 32, false), new Flags("flags", AT_FLAGS));
    /** symlink arrives as symlinkat(target, AT_FDCWD, linkpath). */
    public static final Syscall SYMLINKAT = direct(Sysno.SYMLINKAT, DefaultSyscalls::symlinkat, path("target"),
            fd("newdirfd"), path("linkpath"));
    /** link arrives as linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0). */
    public static final Syscall LINKAT = direct(Sysno.LINKAT, DefaultSyscalls::linkat, fd("olddirfd"),
            path("oldpath"), fd("newdirfd"), path("newpath"), new Flags("flags", AT_FLAGS));
    /** eventfd arrives as eventfd2 with flags 0. */
    public static final Syscall EVENTFD2 = forwarded(Sysno.EVENTFD2, DefaultSyscalls::eventfd2, value("initval"),
            new Flags("flags", EVENTFD_FLAGS));
    /** The name is a NUL-terminated string like a path (at most 249 bytes, else EINVAL). */
    public static final Syscall MEMFD_CREATE = direct(Sysno.MEMFD_CREATE, DefaultSyscalls::memfdCreate, path("name"),
            new Flags("flags", MEMFD_FLAGS));
    /** preadv, and preadv2 at an offset with no flags. */
    public static final Syscall PREADV = vectored(Sysno.PREADV, PREAD64, fd("fd"), value("iov"), value("iovcnt"),
            value("offset"));
    /** pwritev, and pwritev2 at an offset with no flags. */
    public static final Syscall PWRITEV = vectored(Sysno.PWRITEV, PWRITE64, fd("fd"), value("iov"), value("iovcnt"),
            value("offset"));
    public static final Syscall GETRANDOM = forwarded(Sysno.GETRANDOM, DefaultSyscalls::getrandom,
            new Buffer("buf", 1, true), value("buflen"), value("flags"));
    // Socket calls: forwarded so that the host, not the guest kernel, decides about the network.
    public static final Syscall SOCKET = network(Sysno.SOCKET, DefaultSyscalls::socket, value("domain"),
            new Flags("type", SOCKET_TYPE), value("protocol"));
    public static final Syscall CONNECT = network(Sysno.CONNECT, DefaultSyscalls::onSocket, fd("sockfd"),
            new Buffer("addr", 2, false), value("addrlen"));
    public static final Syscall BIND = network(Sysno.BIND, DefaultSyscalls::onSocket, fd("sockfd"),
            new Buffer("addr", 2, false), value("addrlen"));
    public static final Syscall LISTEN = network(Sysno.LISTEN, DefaultSyscalls::onSocket, fd("sockfd"),
            value("backlog"));
    public static final Syscall SHUTDOWN = network(Sysno.SHUTDOWN, DefaultSyscalls::onSocket, fd("sockfd"),
            value("how"));
    /** accept arrives as accept4 with no flags; the address and its length are output GPAs (0: none). */
    public static final Syscall ACCEPT4 = network(Sysno.ACCEPT4, DefaultSyscalls::onSocket, fd("sockfd"), value("addr"),
            value("addrlen"), new Flags("flags", SOCKET_TYPE));
    /** sendmsg arrives as sendto (its iovecs gathered), at most the I/O buffer's data room at a time. */
    public static final Syscall SENDTO = network(Sysno.SENDTO, DefaultSyscalls::onSocket, fd("sockfd"),
            new Buffer("buf", 2, false), value("len"), new Flags("flags", MSG_FLAGS), new Buffer("dest_addr", 5, false),
            value("addrlen"));
    /** recvmsg arrives as recvfrom; the source address and its length are output GPAs (0: none). */
    public static final Syscall RECVFROM = network(Sysno.RECVFROM, DefaultSyscalls::onSocket, fd("sockfd"),
            new Buffer("buf", 2, true), value("len"), new Flags("flags", MSG_FLAGS), value("src_addr"),
            value("addrlen"));
    public static final Syscall GETSOCKNAME = network(Sysno.GETSOCKNAME, DefaultSyscalls::onSocket, fd("sockfd"),
            value("addr"), value("addrlen"));
    public static final Syscall GETPEERNAME = network(Sysno.GETPEERNAME, DefaultSyscalls::onSocket, fd("sockfd"),
            value("addr"), value("addrlen"));
    public static final Syscall SETSOCKOPT = network(Sysno.SETSOCKOPT, DefaultSyscalls::onSocket, fd("sockfd"),
            value("level"), value("optname"), new Buffer("optval", 4, false), value("optlen"));
    public static final Syscall GETSOCKOPT = network(Sysno.GETSOCKOPT, DefaultSyscalls::onSocket, fd("sockfd"),
            value("level"), value("optname"), value("optval"), value("optlen"));

    // Pipes and socket pairs: host-side objects in the fd table, shared across processes.
    public static final Syscall PIPE2 = forwarded(Sysno.PIPE2, DefaultSyscalls::pipe2, new Struct("pipefd", 8, true),
            new Flags("flags", OPEN_FLAGS));
    public static final Syscall SOCKETPAIR = forwarded(Sysno.SOCKETPAIR, DefaultSyscalls::socketpair, value("domain"),
            new Flags("type", SOCKET_TYPE), value("protocol"), new Struct("sv", 8, true));
    /** epoll_create arrives as epoll_create1 with flags 0 (its size checked by the guest kernel). */
    public static final Syscall EPOLL_CREATE1 = forwarded(Sysno.EPOLL_CREATE1,
            (c, io) -> io.descriptors().epollCreate((int) c.argument(0)), new Flags("flags", EPOLL_FLAGS));
    /** The event (a packed 12-byte {@code struct epoll_event}) is the program's own address; DEL ignores it. */
    public static final Syscall EPOLL_CTL = direct(Sysno.EPOLL_CTL, EpollSyscalls::control, fd("epfd"), value("op"),
            fd("fd"), new Struct("event", Epoll.EVENT_SIZE, false));
    /**
     * epoll_pwait and epoll_pwait2 arrive as epoll_wait: the events array is the program's own
     * address, the wait in ms (-1: until the run's limit; the guest kernel decides how long the host waits).
     */
    public static final Syscall EPOLL_WAIT = direct(Sysno.EPOLL_WAIT, EpollSyscalls::waitFor, fd("epfd"),
            value("events"), value("maxevents"), value("timeout"));
    /** The pollfd array, {@code nfds} entries of 8 bytes, and the wait in ms (-1: until the run's limit). */
    public static final Syscall POLL = forwarded(Sysno.POLL, PollSyscall::poll, value("fds"), value("nfds"),
            value("timeout"));
    // Processes: each is a micro-VM of its own (docs/guest-abi.md, "Processes").
    public static final Syscall GETPID = forwarded(Sysno.GETPID, (c, io) -> io.processes().pid());
    public static final Syscall GETPPID = forwarded(Sysno.GETPPID, (c, io) -> io.processes().parentPid());
    /** fork, vfork and clone without CLONE_VM all arrive as fork. */
    public static final Syscall FORK = forwarded(Sysno.FORK, (c, io) -> io.processes().fork());
    /** argv and envp arrive as one block of NUL-terminated strings, {@code argc} then {@code envc} of them. */
    public static final Syscall EXECVE = forwarded(Sysno.EXECVE, ProcessSyscalls::execve, path("pathname"),
            new Buffer("strings", 2, false), value("length"), value("argc"), value("envc"));
    public static final Syscall WAIT4 = forwarded(Sysno.WAIT4, ProcessSyscalls::wait4, value("pid"),
            new Struct("wstatus", 4, true), value("options"));
    public static final Syscall WAITID = forwarded(Sysno.WAITID, ProcessSyscalls::waitid, value("idtype"), value("id"),
            new Struct("infop", 128, true), value("options"));
    public static final Syscall KILL = forwarded(Sysno.KILL, ProcessSyscalls::kill, value("pid"), value("sig"));

    /** Every call the guest kernel forwards, by number. */
    public static final List<Syscall> FORWARDED = DECLARED.values().stream().map(Declaration::syscall).toList();

    /** The socket calls, which a policy allows or denies together as "the network" (socket first). */
    public static final List<Syscall> NETWORK = DECLARED.values().stream().filter(Declaration::network)
            .map(Declaration::syscall).toList();

    /** The description of {@code sysno}: a forwarded call's, or six raw values for any other. */
    public static Syscall of(Sysno sysno) {
        Declaration known = DECLARED.get(sysno);
        return known != null ? known.syscall() : call(sysno, value("arg0"), value("arg1"), value("arg2"), value("arg3"),
                value("arg4"), value("arg5"));
    }

    /** The call named {@code name} (Linux's spelling, any case), if it exists. */
    public static Optional<Syscall> named(String name) {
        return Arrays.stream(Sysno.values()).filter(s -> s.linuxName().equalsIgnoreCase(name)).findFirst()
                .map(Syscall::of);
    }

    /** Linux's name of the call. */
    public String name() {
        return sysno.linuxName();
    }

    /** Whether the guest kernel may pass this call the program's own addresses (see {@link #direct}). */
    public boolean takesUserAddresses() {
        Declaration declared = DECLARED.get(sysno);
        return declared != null && declared.userAddresses();
    }

    /**
     * For a vectored call (readv, writev, preadv, pwritev), the call it is decided as: the plain
     * read or write over its gathered vectors.
     */
    public Optional<Syscall> decidedAs() {
        Declaration declared = DECLARED.get(sysno);
        return declared != null ? Optional.ofNullable(declared.decidedAs()) : Optional.empty();
    }

    /** The call vectored call {@code sysno} is decided as, or null (null: the dispatch path allocates nothing). */
    static Syscall plainCallOf(Sysno sysno) {
        Declaration declared = DECLARED.get(sysno);
        return declared != null ? declared.decidedAs() : null;
    }

    /** Whether the guest kernel forwards this call to the host (else only a test can ask for it). */
    public boolean forwarded() {
        return DECLARED.containsKey(sysno);
    }

    /**
     * The default implementation of call {@code sysno}, or null if it is not a forwarded call
     * (null rather than Optional: the dispatch path allocates nothing).
     */
    static Implementation implementation(Sysno sysno) {
        Declaration declared = DECLARED.get(sysno);
        return declared != null ? declared.implementation() : null;
    }

    /** Position of the {@code n}-th (from 0) argument of {@code kind}, or -1. */
    int positionOf(Class<? extends Argument> kind, int n) {
        int seen = 0;
        for (int i = 0; i < arguments.size(); i++) {
            if (kind.isInstance(arguments.get(i)) && seen++ == n) {
                return i;
            }
        }
        return -1;
    }
}
