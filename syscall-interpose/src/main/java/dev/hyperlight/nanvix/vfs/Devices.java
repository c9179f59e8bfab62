package dev.hyperlight.nanvix.vfs;

import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sandbox's {@code /dev}: a fixed, read-only set of names served by the host I/O layer, never
 * the host's {@code /dev} (no mount may sit at or below it). Character devices {@code null},
 * {@code zero}, {@code full}, {@code random}, {@code urandom} and {@code tty}, with Linux's
 * numbers; {@code /dev/fd/N}, a link to the process's open file N as Linux's {@code
 * /proc/self/fd/N}; {@code /dev/stdin}, {@code /dev/stdout} and {@code /dev/stderr}, symlinks to
 * {@code /dev/fd/0} to {@code 2} (Linux's point to {@code /proc/self/fd}, which the sandbox does
 * not have). {@code /dev/ptmx} opens a new pseudo-terminal (its master; the terminal end is
 * reached with ioctl TIOCGPTPEER, as glibc's {@code openpty} does: there is no {@code /dev/pts}).
 */
public final class Devices {

    /** The directory itself. */
    public static final String ROOT = "/dev";
    private static final String FD_DIRECTORY = "/dev/fd";
    /** Inode numbers of the names below, on the virtual directories' device; far above theirs. */
    private static final long FIRST_INODE = 1L << 20;
    private static final long FIRST_DESCRIPTOR_INODE = FIRST_INODE + 64;
    private static final int ROOT_OWNER = 0;

    private Devices() {
    }

    /** What a name at or below {@code /dev} is. */
    public sealed interface Entry permits Directory, CharacterDevice, StandardStream, DescriptorLink {
    }

    /** {@code /dev} and {@code /dev/fd}. */
    public enum Directory implements Entry {
        DEV, FD
    }

    /** The character devices, with Linux's major and minor numbers (Documentation/admin-guide/devices.txt). */
    public enum CharacterDevice implements Entry {
        NULL("null", 1, 3), ZERO("zero", 1, 5), FULL("full", 1, 7), RANDOM("random", 1, 8), URANDOM("urandom", 1, 9),
        /** The controlling terminal: a run has none, so opening it is ENXIO, as in a session without one. */
        TTY("tty", 5, 0),
        /** Each open makes a new pseudo-terminal ({@code PipeEnd.pty}). */
        PTMX("ptmx", 5, 2);

        private final String name;
        private final int major;
        private final int minor;

        CharacterDevice(String name, int major, int minor) {
            this.name = name;
            this.major = major;
            this.minor = minor;
        }

        /** The name under {@code /dev}. */
        public String deviceName() {
            return name;
        }

        /** {@code st_rdev}: glibc's {@code makedev} of numbers this small. */
        public long rdev() {
            return (long) major << 8 | minor;
        }
    }

    /** {@code /dev/stdin}, {@code /dev/stdout}, {@code /dev/stderr}: symlinks to {@code /dev/fd/N}. */
    public record StandardStream(String name, int fd) implements Entry {
        public String target() {
            return FD_DIRECTORY + "/" + fd;
        }
    }

    /**
     * {@code /dev/fd/N}: a link to open file N of the process that looks. Path resolution stops at
     * it; the calls that follow it (open, stat) use the fd, which only they know.
     */
    public record DescriptorLink(int fd) implements Entry {
    }

    private static final List<StandardStream> STANDARD_STREAMS = List.of(new StandardStream("stdin", 0),
            new StandardStream("stdout", 1), new StandardStream("stderr", 2));

    /** Whether canonical {@code guestPath} is {@code /dev} or below it. */
    public static boolean covers(String guestPath) {
        return guestPath.equals(ROOT) || guestPath.startsWith(ROOT + "/");
    }

    /** What canonical {@code guestPath}, which {@link #covers}, names; empty for a name that is not there. */
    static Optional<Entry> lookup(String guestPath) {
        if (guestPath.equals(ROOT)) {
            return Optional.of(Directory.DEV);
        }
        if (guestPath.equals(FD_DIRECTORY)) {
            return Optional.of(Directory.FD);
        }
        if (guestPath.startsWith(FD_DIRECTORY + "/")) {
            return descriptor(guestPath.substring(FD_DIRECTORY.length() + 1)).map(DescriptorLink::new);
        }
        String name = guestPath.substring(ROOT.length() + 1);
        for (CharacterDevice device : CharacterDevice.values()) {
            if (device.deviceName().equals(name)) {
                return Optional.of(device);
            }
        }
        return STANDARD_STREAMS.stream().filter(s -> s.name().equals(name)).<Entry>map(s -> s).findFirst();
    }

    /** An fd number as {@code /proc/self/fd} spells it: decimal, no sign, no leading zero. */
    private static Optional<Integer> descriptor(String name) {
        if (name.isEmpty() || name.length() > 10 || !name.chars().allMatch(Character::isDigit)
                || name.length() > 1 && name.charAt(0) == '0') {
            return Optional.empty();
        }
        long fd = Long.parseLong(name);
        return fd <= Integer.MAX_VALUE ? Optional.of((int) fd) : Optional.empty();
    }

    static Stat stat(Entry entry, Instant createdAt) {
        return switch (entry) {
            case Directory.DEV -> new Stat(GuestNamespace.VIRTUAL_DEVICE, FIRST_INODE, 3,
                    FileType.DIRECTORY.modeBits() | 0755, ROOT_OWNER, ROOT_OWNER, 0, 0, GuestNamespace.BLOCK_SIZE, 0,
                    createdAt, createdAt, createdAt);
            // Like /proc/self/fd: the process's own, readable by it alone.
            case Directory.FD -> new Stat(GuestNamespace.VIRTUAL_DEVICE, FIRST_INODE + 1, 2,
                    FileType.DIRECTORY.modeBits() | 0500, GuestNamespace.GUEST_OWNER, GuestNamespace.GUEST_OWNER, 0, 0,
                    GuestNamespace.BLOCK_SIZE, 0, createdAt, createdAt, createdAt);
            case CharacterDevice device -> new Stat(GuestNamespace.VIRTUAL_DEVICE, FIRST_INODE + 2 + device.ordinal(),
                    1, FileType.CHARACTER_DEVICE.modeBits() | 0666, ROOT_OWNER, ROOT_OWNER, device.rdev(), 0,
                    GuestNamespace.BLOCK_SIZE, 0, createdAt, createdAt, createdAt);
            case StandardStream stream -> new Stat(GuestNamespace.VIRTUAL_DEVICE,
                    FIRST_INODE + 32 + stream.fd(), 1, FileType.SYMLINK.modeBits() | 0777, ROOT_OWNER, ROOT_OWNER, 0,
                    stream.target().length(), GuestNamespace.BLOCK_SIZE, 0, createdAt, createdAt, createdAt);
            case DescriptorLink link -> new Stat(GuestNamespace.VIRTUAL_DEVICE, FIRST_DESCRIPTOR_INODE + link.fd(), 1,
                    FileType.SYMLINK.modeBits() | 0700, GuestNamespace.GUEST_OWNER, GuestNamespace.GUEST_OWNER, 0, 64,
                    GuestNamespace.BLOCK_SIZE, 0, createdAt, createdAt, createdAt);
        };
    }

    /** The names in {@code /dev}, sorted, after {@code .} and {@code ..}. */
    static List<DirectoryEntry> listRoot(long parentInode) {
        List<DirectoryEntry> entries = new ArrayList<>();
        entries.add(new DirectoryEntry(FIRST_INODE, FileType.DIRECTORY, "."));
        entries.add(new DirectoryEntry(parentInode, FileType.DIRECTORY, ".."));
        List<DirectoryEntry> names = new ArrayList<>();
        names.add(new DirectoryEntry(FIRST_INODE + 1, FileType.DIRECTORY, "fd"));
        for (CharacterDevice device : CharacterDevice.values()) {
            names.add(new DirectoryEntry(stat(device, Instant.EPOCH).inode(), FileType.CHARACTER_DEVICE,
                    device.deviceName()));
        }
        for (StandardStream stream : STANDARD_STREAMS) {
            names.add(new DirectoryEntry(stat(stream, Instant.EPOCH).inode(), FileType.SYMLINK, stream.name()));
        }
        names.sort((a, b) -> a.name().compareTo(b.name()));
        entries.addAll(names);
        return entries;
    }

    /** The names in {@code /dev/fd} for a process whose open fds are {@code fds}. */
    public static List<DirectoryEntry> listDescriptors(List<Integer> fds) {
        List<DirectoryEntry> entries = new ArrayList<>();
        entries.add(new DirectoryEntry(FIRST_INODE + 1, FileType.DIRECTORY, "."));
        entries.add(new DirectoryEntry(FIRST_INODE, FileType.DIRECTORY, ".."));
        for (int fd : fds) {
            entries.add(new DirectoryEntry(FIRST_DESCRIPTOR_INODE + fd, FileType.SYMLINK, Integer.toString(fd)));
        }
        return entries;
    }

    /** The entry of {@code /dev} in a listing of the root directory. */
    static DirectoryEntry rootEntry() {
        return new DirectoryEntry(FIRST_INODE, FileType.DIRECTORY, "dev");
    }
}
