package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
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

    // The forwarded calls, one line each (docs/guest-abi.md, "Forwarded system calls").
    public static final Syscall READ = call(Sysno.READ, fd("fd"), new Buffer("buf", 2, true), value("count"));
    public static final Syscall WRITE = call(Sysno.WRITE, fd("fd"), new Buffer("buf", 2, false), value("count"));
    public static final Syscall CLOSE = call(Sysno.CLOSE, fd("fd"));
    public static final Syscall LSEEK = call(Sysno.LSEEK, fd("fd"), value("offset"), value("whence"));
    public static final Syscall IOCTL = call(Sysno.IOCTL, fd("fd"), value("request"), value("arg"));
    public static final Syscall PREAD64 = call(Sysno.PREAD64, fd("fd"), new Buffer("buf", 2, true), value("count"),
            value("offset"));
    public static final Syscall PWRITE64 = call(Sysno.PWRITE64, fd("fd"), new Buffer("buf", 2, false),
            value("count"), value("offset"));
    public static final Syscall DUP = call(Sysno.DUP, fd("oldfd"));
    public static final Syscall NANOSLEEP = call(Sysno.NANOSLEEP, new Struct("req", 16, false),
            new Struct("rem", 16, true));
    public static final Syscall FCNTL = call(Sysno.FCNTL, fd("fd"), value("cmd"), value("arg"));
    public static final Syscall FSYNC = call(Sysno.FSYNC, fd("fd"));
    public static final Syscall FTRUNCATE = call(Sysno.FTRUNCATE, fd("fd"), value("length"));
    public static final Syscall GETCWD = call(Sysno.GETCWD, new Buffer("buf", 1, true), value("size"));
    public static final Syscall CHDIR = call(Sysno.CHDIR, path("path"));
    public static final Syscall FCHDIR = call(Sysno.FCHDIR, fd("fd"));
    public static final Syscall GETDENTS64 = call(Sysno.GETDENTS64, fd("fd"), new Buffer("dirp", 2, true),
            value("count"));
    public static final Syscall OPENAT = call(Sysno.OPENAT, fd("dirfd"), path("pathname"),
            new Flags("flags", OPEN_FLAGS), value("mode"));
    public static final Syscall MKDIRAT = call(Sysno.MKDIRAT, fd("dirfd"), path("pathname"), value("mode"));
    public static final Syscall NEWFSTATAT = call(Sysno.NEWFSTATAT, fd("dirfd"), path("pathname"),
            new Struct("statbuf", 144, true), new Flags("flags", AT_FLAGS));
    public static final Syscall STATFS = call(Sysno.STATFS, path("path"), new Struct("buf", 120, true));
    public static final Syscall FSTATFS = call(Sysno.FSTATFS, fd("fd"), new Struct("buf", 120, true));
    public static final Syscall UNLINKAT = call(Sysno.UNLINKAT, fd("dirfd"), path("pathname"),
            new Flags("flags", AT_FLAGS));
    public static final Syscall READLINKAT = call(Sysno.READLINKAT, fd("dirfd"), path("pathname"),
            new Buffer("buf", 3, true), value("bufsiz"));
    public static final Syscall FACCESSAT = call(Sysno.FACCESSAT, fd("dirfd"), path("pathname"), value("mode"),
            new Flags("flags", AT_FLAGS));
    public static final Syscall DUP3 = call(Sysno.DUP3, fd("oldfd"), fd("newfd"), new Flags("flags", OPEN_FLAGS));
    public static final Syscall RENAMEAT2 = call(Sysno.RENAMEAT2, fd("olddirfd"), path("oldpath"), fd("newdirfd"),
            path("newpath"), value("flags"));
    /** fchmod arrives with an empty path and AT_EMPTY_PATH in flags (0 otherwise). */
    public static final Syscall FCHMODAT = call(Sysno.FCHMODAT, fd("dirfd"), path("pathname"), value("mode"),
            new Flags("flags", AT_FLAGS));
    public static final Syscall UTIMENSAT = call(Sysno.UTIMENSAT, fd("dirfd"), path("pathname"),
            new Struct("times", 32, false), new Flags("flags", AT_FLAGS));
    /** symlink arrives as symlinkat(target, AT_FDCWD, linkpath). */
    public static final Syscall SYMLINKAT = call(Sysno.SYMLINKAT, path("target"), fd("newdirfd"), path("linkpath"));
    /** link arrives as linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0). */
    public static final Syscall LINKAT = call(Sysno.LINKAT, fd("olddirfd"), path("oldpath"), fd("newdirfd"),
            path("newpath"), new Flags("flags", AT_FLAGS));
    public static final Syscall GETRANDOM = call(Sysno.GETRANDOM, new Buffer("buf", 1, true), value("buflen"),
            value("flags"));
    // Socket calls: forwarded so that the host, not the guest kernel, decides about the network.
    public static final Syscall SOCKET = call(Sysno.SOCKET, value("domain"), new Flags("type", SOCKET_TYPE),
            value("protocol"));
    public static final Syscall CONNECT = call(Sysno.CONNECT, fd("sockfd"), new Buffer("addr", 2, false),
            value("addrlen"));
    public static final Syscall BIND = call(Sysno.BIND, fd("sockfd"), new Buffer("addr", 2, false),
            value("addrlen"));
    public static final Syscall LISTEN = call(Sysno.LISTEN, fd("sockfd"), value("backlog"));
    public static final Syscall SHUTDOWN = call(Sysno.SHUTDOWN, fd("sockfd"), value("how"));
    /** accept arrives as accept4 with no flags; the address and its length are output GPAs (0: none). */
    public static final Syscall ACCEPT4 = call(Sysno.ACCEPT4, fd("sockfd"), value("addr"), value("addrlen"),
            new Flags("flags", SOCKET_TYPE));
    /** sendmsg arrives as sendto (its iovecs gathered), at most the I/O buffer's data room at a time. */
    public static final Syscall SENDTO = call(Sysno.SENDTO, fd("sockfd"), new Buffer("buf", 2, false), value("len"),
            new Flags("flags", MSG_FLAGS), new Buffer("dest_addr", 5, false), value("addrlen"));
    /** recvmsg arrives as recvfrom; the source address and its length are output GPAs (0: none). */
    public static final Syscall RECVFROM = call(Sysno.RECVFROM, fd("sockfd"), new Buffer("buf", 2, true),
            value("len"), new Flags("flags", MSG_FLAGS), value("src_addr"), value("addrlen"));
    public static final Syscall GETSOCKNAME = call(Sysno.GETSOCKNAME, fd("sockfd"), value("addr"), value("addrlen"));
    public static final Syscall GETPEERNAME = call(Sysno.GETPEERNAME, fd("sockfd"), value("addr"), value("addrlen"));
    public static final Syscall SETSOCKOPT = call(Sysno.SETSOCKOPT, fd("sockfd"), value("level"), value("optname"),
            new Buffer("optval", 4, false), value("optlen"));
    public static final Syscall GETSOCKOPT = call(Sysno.GETSOCKOPT, fd("sockfd"), value("level"), value("optname"),
            value("optval"), value("optlen"));

    // Pipes and socket pairs: host-side objects in the fd table, shared across processes.
    public static final Syscall PIPE2 = call(Sysno.PIPE2, new Struct("pipefd", 8, true),
            new Flags("flags", OPEN_FLAGS));
    public static final Syscall SOCKETPAIR = call(Sysno.SOCKETPAIR, value("domain"), new Flags("type", SOCKET_TYPE),
            value("protocol"), new Struct("sv", 8, true));
    /** The pollfd array, {@code nfds} entries of 8 bytes, and the wait in ms (-1: until the run's limit). */
    public static final Syscall POLL = call(Sysno.POLL, value("fds"), value("nfds"), value("timeout"));
    // Processes: each is a micro-VM of its own (docs/guest-abi.md, "Processes").
    public static final Syscall GETPID = call(Sysno.GETPID);
    public static final Syscall GETPPID = call(Sysno.GETPPID);
    /** fork, vfork and clone without CLONE_VM all arrive as fork. */
    public static final Syscall FORK = call(Sysno.FORK);
    /** argv and envp arrive as one block of NUL-terminated strings, {@code argc} then {@code envc} of them. */
    public static final Syscall EXECVE = call(Sysno.EXECVE, path("pathname"), new Buffer("strings", 2, false),
            value("length"), value("argc"), value("envc"));
    public static final Syscall WAIT4 = call(Sysno.WAIT4, value("pid"), new Struct("wstatus", 4, true),
            value("options"));
    public static final Syscall WAITID = call(Sysno.WAITID, value("idtype"), value("id"),
            new Struct("infop", 128, true), value("options"));
    public static final Syscall KILL = call(Sysno.KILL, value("pid"), value("sig"));

    /** Every call the guest kernel forwards, by number. */
    public static final List<Syscall> FORWARDED = List.of(READ, WRITE, CLOSE, LSEEK, IOCTL, PREAD64, PWRITE64, DUP,
            NANOSLEEP, SOCKET, CONNECT, SHUTDOWN, BIND, LISTEN, FCNTL, FSYNC, FTRUNCATE, GETCWD, CHDIR, FCHDIR,
            GETDENTS64, OPENAT, MKDIRAT, NEWFSTATAT, UNLINKAT, READLINKAT, FACCESSAT, DUP3, RENAMEAT2, GETRANDOM,
            FCHMODAT, UTIMENSAT, PIPE2, SOCKETPAIR, GETPID, GETPPID, FORK, EXECVE, WAIT4, WAITID, KILL, POLL,
            ACCEPT4, SENDTO, RECVFROM, GETSOCKNAME, GETPEERNAME, SETSOCKOPT, GETSOCKOPT, SYMLINKAT, LINKAT, STATFS,
            FSTATFS);

    /** The socket calls, which a policy allows or denies together as "the network". */
    public static final List<Syscall> NETWORK = List.of(SOCKET, CONNECT, BIND, LISTEN, SHUTDOWN, ACCEPT4, SENDTO,
            RECVFROM, GETSOCKNAME, GETPEERNAME, SETSOCKOPT, GETSOCKOPT);

    private static final Map<Sysno, Syscall> BY_SYSNO = bySysno();

    private static Map<Sysno, Syscall> bySysno() {
        Map<Sysno, Syscall> map = new EnumMap<>(Sysno.class);
        FORWARDED.forEach(s -> map.put(s.sysno(), s));
        return map;
    }

    /** The description of {@code sysno}: a forwarded call's, or six raw values for any other. */
    public static Syscall of(Sysno sysno) {
        Syscall known = BY_SYSNO.get(sysno);
        return known != null ? known : call(sysno, value("arg0"), value("arg1"), value("arg2"), value("arg3"),
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

    /** Whether the guest kernel forwards this call to the host (else only a test can ask for it). */
    public boolean forwarded() {
        return BY_SYSNO.containsKey(sysno);
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
