package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.io.HostIo;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host does for each forwarded system call: an immutable map from call to handler, one
 * line per call in {@link #defaults()} (the model is gVisor's linux64.go). A number without a
 * handler fails with ENOSYS. Per-call policy (accept, intercept, block) will be expressed as
 * entries of this table; {@link #with} is the seam for that.
 */
public final class SyscallTable {

    private static final Logger LOG = LoggerFactory.getLogger(SyscallTable.class);

    /** One call the table handles. */
    public record Entry(Sysno sysno, SyscallHandler handler) {
        public Entry {
            Objects.requireNonNull(sysno, "sysno");
            Objects.requireNonNull(handler, "handler");
        }
    }

    private static final SyscallTable DEFAULTS = new SyscallTable(List.of(
            new Entry(Sysno.READ, DefaultSyscalls::read),
            new Entry(Sysno.WRITE, DefaultSyscalls::write),
            new Entry(Sysno.CLOSE, DefaultSyscalls::close),
            new Entry(Sysno.LSEEK, DefaultSyscalls::lseek),
            new Entry(Sysno.IOCTL, DefaultSyscalls::ioctl),
            new Entry(Sysno.PREAD64, DefaultSyscalls::pread64),
            new Entry(Sysno.PWRITE64, DefaultSyscalls::pwrite64),
            new Entry(Sysno.DUP, DefaultSyscalls::dup),
            new Entry(Sysno.NANOSLEEP, DefaultSyscalls::nanosleep),
            new Entry(Sysno.FCNTL, DefaultSyscalls::fcntl),
            new Entry(Sysno.FSYNC, DefaultSyscalls::fsync),
            new Entry(Sysno.FTRUNCATE, DefaultSyscalls::ftruncate),
            new Entry(Sysno.GETCWD, DefaultSyscalls::getcwd),
            new Entry(Sysno.CHDIR, DefaultSyscalls::chdir),
            new Entry(Sysno.FCHDIR, DefaultSyscalls::fchdir),
            new Entry(Sysno.GETDENTS64, DefaultSyscalls::getdents64),
            new Entry(Sysno.OPENAT, DefaultSyscalls::openat),
            new Entry(Sysno.MKDIRAT, DefaultSyscalls::mkdirat),
            new Entry(Sysno.NEWFSTATAT, DefaultSyscalls::newfstatat),
            new Entry(Sysno.UNLINKAT, DefaultSyscalls::unlinkat),
            new Entry(Sysno.READLINKAT, DefaultSyscalls::readlinkat),
            new Entry(Sysno.FACCESSAT, DefaultSyscalls::faccessat),
            new Entry(Sysno.DUP3, DefaultSyscalls::dup3),
            new Entry(Sysno.RENAMEAT2, DefaultSyscalls::renameat2),
            new Entry(Sysno.GETRANDOM, DefaultSyscalls::getrandom)));

    private final Map<Sysno, Entry> entries;

    private SyscallTable(List<Entry> entries) {
        Map<Sysno, Entry> bySysno = new EnumMap<>(Sysno.class);
        for (Entry entry : entries) {
            if (bySysno.put(entry.sysno(), entry) != null) {
                throw new IllegalArgumentException("two entries for " + entry.sysno().linuxName());
            }
        }
        this.entries = bySysno;
    }

    /** The default host implementation of every forwarded call (docs/guest-abi.md), over the sandbox's {@link HostIo}. */
    public static SyscallTable defaults() {
        return DEFAULTS;
    }

    /**
     * Runs {@code request}: the handler's value, {@code -ENOSYS} for a call without handler, {@code
     * -EFAULT} when the handler met a guest address outside RAM, {@code -ENAMETOOLONG} for an
     * unterminated string, {@code -errno} for any other failure the handler reports. Never throws
     * for anything the guest supplied.
     */
    public long dispatch(SyscallRequest request, GuestMemory memory, HostIo io) {
        Entry entry = Sysno.of(request.number()).map(entries::get).orElse(null);
        if (entry == null) {
            LOG.debug("no handler for {}", Sysno.nameOf(request.number()));
            return Errno.ENOSYS.result();
        }
        try {
            return entry.handler().handle(request, memory, io);
        } catch (ErrnoException e) {
            LOG.trace("{}: {}", entry.sysno().linuxName(), e.getMessage());
            return e.errno().result();
        } catch (BadGuestAddressException e) {
            LOG.debug("{}: {}", entry.sysno().linuxName(), e.getMessage());
            return Errno.EFAULT.result();
        } catch (GuestStringTooLongException e) {
            // Path arguments are the only strings forwarded calls take.
            LOG.debug("{}: {}", entry.sysno().linuxName(), e.getMessage());
            return Errno.ENAMETOOLONG.result();
        }
    }

    /** The handler for {@code sysno}, if the table has one. */
    public Optional<SyscallHandler> handler(Sysno sysno) {
        return Optional.ofNullable(entries.get(sysno)).map(Entry::handler);
    }

    /** Every entry, by call number. */
    public List<Entry> entries() {
        return entries.values().stream().sorted(Comparator.comparingInt(e -> e.sysno().number())).toList();
    }

    /** A copy of this table in which {@code sysno} is served by {@code handler}. */
    public SyscallTable with(Sysno sysno, SyscallHandler handler) {
        Map<Sysno, Entry> copy = new EnumMap<>(entries);
        copy.put(sysno, new Entry(sysno, handler));
        return new SyscallTable(List.copyOf(copy.values()));
    }
}
