package dev.hyperlight.nanvix.io;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.FileSystemStat;
import dev.hyperlight.nanvix.abi.FileType;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.abi.Timespec;
import dev.hyperlight.nanvix.file.ConsoleInput;
import dev.hyperlight.nanvix.file.ConsoleOutput;
import dev.hyperlight.nanvix.file.DeviceFile;
import dev.hyperlight.nanvix.file.DirectoryFile;
import dev.hyperlight.nanvix.file.EpollFile;
import dev.hyperlight.nanvix.file.EventFile;
import dev.hyperlight.nanvix.file.OpenFile;
import dev.hyperlight.nanvix.file.PathFile;
import dev.hyperlight.nanvix.file.PipeEnd;
import dev.hyperlight.nanvix.file.RegularFile;
import dev.hyperlight.nanvix.file.UnixSocket;
import dev.hyperlight.nanvix.vfs.Devices;
import dev.hyperlight.nanvix.vfs.GuestNames;
import dev.hyperlight.nanvix.vfs.GuestNamespace;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Absent;
import dev.hyperlight.nanvix.vfs.GuestNamespace.AbsentVirtual;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Device;
import dev.hyperlight.nanvix.vfs.GuestNamespace.HostFile;
import dev.hyperlight.nanvix.vfs.GuestNamespace.MountPoint;
import dev.hyperlight.nanvix.vfs.GuestNamespace.Node;
import dev.hyperlight.nanvix.vfs.GuestNamespace.VirtualDirectory;
import dev.hyperlight.nanvix.vfs.GuestPaths;
import dev.hyperlight.nanvix.vfs.HostErrors;
import dev.hyperlight.nanvix.vfs.WriteQuota;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Calls on the virtual file system by path (and their fd forms) of one process ({@link
 * HostIo#fileSystem()}): open, stat, statfs, access, the working directory, mkdir, unlink,
 * rename, symlink, link, chmod, utimes, readlink, and execve's file. Paths resolve only inside
 * the namespace of mounts, under the run's namespace lock.
 */
public final class FileSystemCalls {

    private final HostIo io;

    FileSystemCalls(HostIo io) {
        this.io = io;
    }

    /**
     * execve's file: {@code path} resolved (symlinks followed) from the working directory, a
     * regular file with an execute bit, read whole (at most {@code maxSize} bytes).
     *
     * @throws ErrnoException ENOENT, ENOTDIR, ELOOP as a lookup gives them; EACCES for a directory,
     *     a special file or a file without execute permission; ENOMEM past {@code maxSize}
     */
    public ExecutableFile readExecutable(String path, long maxSize) {
        return io.locked(() -> {
            Node node = io.namespace.resolve(io.workingDirectory, path, true);
            if (!(node instanceof HostFile file) || file.type() != FileType.REGULAR) {
                throw new ErrnoException(GuestNamespace.exists(node) ? Errno.EACCES : Errno.ENOENT);
            }
            if (!Files.isExecutable(file.hostPath())) {
                throw new ErrnoException(Errno.EACCES);
            }
            try (FileChannel channel = FileChannel.open(file.hostPath(), LinkOption.NOFOLLOW_LINKS,
                    StandardOpenOption.READ)) {
                long size = channel.size();
                if (size > maxSize) {
                    throw new ErrnoException(Errno.ENOMEM, "executable of " + size + " bytes");
                }
                ByteBuffer bytes = ByteBuffer.allocate((int) size);
                while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                    // read on until the whole file is in
                }
                return new ExecutableFile(node.guestPath(), Arrays.copyOf(bytes.array(), bytes.position()));
            } catch (IOException e) {
                throw HostErrors.toErrno(e);
            }
        });
    }

    /** A file execve will run: its canonical guest path and its bytes. */
    public record ExecutableFile(String guestPath, byte[] bytes) {}

    /** openat: returns the new fd. */
    public int openAt(int dirFd, String path, int flags, int mode) {
        int accessMode = flags & Fcntl.O_ACCMODE;
        boolean create = (flags & Fcntl.O_CREAT) != 0;
        boolean exclusive = create && (flags & Fcntl.O_EXCL) != 0;
        if (accessMode == Fcntl.O_ACCMODE || create && (flags & Fcntl.O_DIRECTORY) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & Fcntl.O_TMPFILE_BIT) != 0) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "O_TMPFILE");
        }
        if ((flags & Fcntl.O_PATH) != 0) {
            return openPath(dirFd, path, flags);
        }
        boolean followLast = !exclusive && (flags & Fcntl.O_NOFOLLOW) == 0;
        return io.locked(() -> {
            String base = baseDirectory(dirFd, path);
            io.fds.requireFree();
            Node node = io.namespace.resolve(base, path, followLast);
            if (exclusive && GuestNamespace.exists(node)) {
                throw new ErrnoException(Errno.EEXIST);
            }
            OpenFile file = switch (node) {
                case HostFile f when f.type() == FileType.SYMLINK -> throw new ErrnoException(Errno.ELOOP);
                case HostFile f when f.type() == FileType.DIRECTORY -> openDirectory(node, flags);
                case VirtualDirectory v -> openDirectory(node, flags);
                case Device d -> openDevice(d, flags, followLast);
                case HostFile f when f.type() == FileType.REGULAR -> openRegular(f.mount(), f.hostPath(), flags);
                // Mounts are nodev: no device, FIFO or socket on the host can be opened.
                case HostFile f -> throw new ErrnoException(Errno.EACCES, "special file");
                case Absent a -> createRegular(a, path, flags, mode);
                case AbsentVirtual a -> throw new ErrnoException(create ? Errno.EROFS : Errno.ENOENT);
            };
            return io.fds.add(file, (flags & Fcntl.O_CLOEXEC) != 0, 0);
        });
    }

    /**
     * openat with O_PATH: an fd that only names a file; Linux ignores the flags besides O_CLOEXEC,
     * O_DIRECTORY and O_NOFOLLOW. A directory's fd serves as the base of *at calls and fchdir.
     */
    private int openPath(int dirFd, String path, int flags) {
        boolean follow = (flags & Fcntl.O_NOFOLLOW) == 0;
        int statusFlags = Fcntl.O_PATH | (flags & (Fcntl.O_DIRECTORY | Fcntl.O_NOFOLLOW)) | Fcntl.O_LARGEFILE;
        return io.locked(() -> {
            String base = baseDirectory(dirFd, path);
            io.fds.requireFree();
            Node node = io.namespace.resolve(base, path, follow);
            OpenFile file = switch (node) {
                case Absent a -> throw new ErrnoException(Errno.ENOENT);
                case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
                case VirtualDirectory v -> new DirectoryFile(io.namespace, node, statusFlags);
                case Device d when d.entry() == Devices.Directory.FD -> descriptorDirectory(d, statusFlags);
                case Device d when d.entry() instanceof Devices.Directory -> new DirectoryFile(io.namespace, node,
                        statusFlags);
                // O_PATH on a device or link of /dev: the sandbox has no fd that only names one.
                case Device d -> throw new ErrnoException(Errno.ENXIO, "O_PATH in /dev");
                case HostFile f when f.type() == FileType.DIRECTORY -> new DirectoryFile(io.namespace, node, statusFlags);
                case HostFile f when (flags & Fcntl.O_DIRECTORY) != 0 -> throw new ErrnoException(Errno.ENOTDIR);
                case HostFile f -> new PathFile(f, statusFlags);
            };
            return io.fds.add(file, (flags & Fcntl.O_CLOEXEC) != 0, 0);
        });
    }

    /** Status flags F_GETFL reports for a file opened with {@code flags}. */
    private static int statusFlags(int flags) {
        int dropped = Fcntl.O_ACCMODE | Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_NOCTTY | Fcntl.O_TRUNC | Fcntl.O_CLOEXEC;
        return (flags & ~dropped) | Fcntl.O_LARGEFILE;
    }

    private static boolean opensForWriting(int flags) {
        return (flags & Fcntl.O_ACCMODE) != Fcntl.O_RDONLY || (flags & Fcntl.O_TRUNC) != 0;
    }

    private OpenFile openDirectory(Node node, int flags) {
        if (opensForWriting(flags) || (flags & Fcntl.O_CREAT) != 0) {
            throw new ErrnoException(Errno.EISDIR);
        }
        if (node instanceof HostFile dir && !Files.isReadable(dir.hostPath())) {
            throw new ErrnoException(Errno.EACCES);
        }
        return new DirectoryFile(io.namespace, node, statusFlags(flags));
    }

    /**
     * A name in the sandbox's /dev: its directories, a character device, or through /dev/fd/N (and
     * /dev/stdin... which lead there) the open file N again.
     */
    private OpenFile openDevice(Device device, int flags, boolean followLast) {
        boolean directory = device.entry() instanceof Devices.Directory;
        if ((flags & Fcntl.O_DIRECTORY) != 0 && !directory) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        return switch (device.entry()) {
            case Devices.Directory.FD -> {
                if (opensForWriting(flags)) {
                    throw new ErrnoException(Errno.EISDIR);
                }
                yield descriptorDirectory(device, statusFlags(flags));
            }
            case Devices.Directory.DEV -> openDirectory(device, flags);
            case Devices.CharacterDevice tty when tty == Devices.CharacterDevice.TTY ->
                    throw new ErrnoException(Errno.ENXIO, "no controlling terminal");
            case Devices.CharacterDevice ptmx when ptmx == Devices.CharacterDevice.PTMX -> PipeEnd.pty(
                    flags & Fcntl.O_ACCMODE, statusFlags(flags), io.pipeInodes.getAndAdd(2),
                    io.ptyNumbers.getAndIncrement(), io.pipeBudget);
            case Devices.CharacterDevice character -> new DeviceFile(character, flags & Fcntl.O_ACCMODE,
                    statusFlags(flags), io.namespace.stat(device), io::fillRandom);
            // Reached only with O_NOFOLLOW: a symlink named last.
            case Devices.StandardStream stream -> throw new ErrnoException(Errno.ELOOP);
            case Devices.DescriptorLink link -> {
                if (!followLast) {
                    throw new ErrnoException(Errno.ELOOP);
                }
                yield reopen(link.fd(), flags);
            }
        };
    }

    /** {@code /dev/fd}: lists the fds of the process that opened it, at each read from the start. */
    private DirectoryFile descriptorDirectory(Device device, int statusFlags) {
        return new DirectoryFile(io.namespace, device, statusFlags,
                directory -> Devices.listDescriptors(io.fds.openDescriptors()));
    }

    /**
     * open of {@code /dev/fd/N}, as Linux opens {@code /proc/self/fd/N}: a regular file or a
     * directory opens again (a new description, with its own offset and the new flags), a device
     * too; a pipe, a socket pair's end or the console gives the same description again, if it
     * allows the access asked for (Linux makes a new one on the same pipe: only O_NONBLOCK could
     * differ); a socket is ENXIO, as on Linux. No fd N: ENOENT.
     */
    private OpenFile reopen(int fd, int flags) {
        OpenFile file;
        try {
            file = io.fds.get(fd);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.ENOENT, "no fd " + fd);
        }
        return switch (file) {
            case RegularFile regular -> {
                Path host = regular.hostPath();
                if (host == null) {
                    throw new ErrnoException(Errno.ENOENT, "removed");
                }
                yield openRegular(regular.mount().orElseThrow(), host, flags);
            }
            case DirectoryFile directory -> {
                Node node = io.namespace.lookup(directory.guestPath());
                yield node instanceof Device d && d.entry() == Devices.Directory.FD
                        ? descriptorDirectory(d, statusFlags(flags)) : openDirectory(node, flags);
            }
            case DeviceFile device -> new DeviceFile(device.device(), flags & Fcntl.O_ACCMODE,
                    statusFlags(flags), device.stat(), io::fillRandom);
            case PipeEnd end when end.stat().type() == FileType.SOCKET -> throw new ErrnoException(Errno.ENXIO);
            case PipeEnd end -> sameDescription(end, flags);
            case ConsoleInput console -> sameDescription(console, flags);
            case ConsoleOutput console -> sameDescription(console, flags);
            case UnixSocket socket -> throw new ErrnoException(Errno.ENXIO);
            case EventFile counter -> throw new ErrnoException(Errno.ENXIO, "an anonymous inode");
            case EpollFile epoll -> throw new ErrnoException(Errno.ENXIO, "an anonymous inode");
            case PathFile path -> throw new ErrnoException(Errno.ENXIO, "O_PATH fd");
        };
    }

    /** {@code file} again, if its access mode covers the one {@code flags} asks for (EACCES otherwise). */
    private static OpenFile sameDescription(OpenFile file, int flags) {
        int has = file.flags() & Fcntl.O_ACCMODE;
        int wants = flags & Fcntl.O_ACCMODE;
        if (has != wants && has != Fcntl.O_RDWR) {
            throw new ErrnoException(Errno.EACCES);
        }
        return file;
    }

    private OpenFile openRegular(MountPoint mount, Path host, int flags) {
        if ((flags & Fcntl.O_DIRECTORY) != 0) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        if (opensForWriting(flags) && mount.readOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
        RegularFile opened = openChannel(mount, host, channelOptions(flags), flags);
        if ((flags & Fcntl.O_TRUNC) != 0) {
            // Emptied through the description, so the quota sees the file shrink.
            try {
                opened.emptyAtOpen();
            } catch (ErrnoException e) {
                opened.release();
                throw e;
            }
        }
        return opened;
    }

    private OpenFile createRegular(Absent absent, String path, int flags, int mode) {
        if ((flags & Fcntl.O_CREAT) == 0) {
            throw new ErrnoException(Errno.ENOENT);
        }
        if (path.endsWith("/")) {
            throw new ErrnoException(Errno.EISDIR);
        }
        if (absent.mount().readOnly()) {
            throw new ErrnoException(Errno.EROFS);
        }
        Set<OpenOption> options = channelOptions(flags);
        options.add(StandardOpenOption.CREATE_NEW);
        OpenFile file = openChannel(absent.mount(), absent.hostPath(), options, flags);
        try {
            setPermissions(absent.hostPath(), mode);
        } catch (ErrnoException e) {
            file.release();
            throw e;
        }
        return file;
    }

    /** The channel may need write access for O_TRUNC even when the guest only reads. */
    private static Set<OpenOption> channelOptions(int flags) {
        Set<OpenOption> options = new HashSet<>();
        options.add(LinkOption.NOFOLLOW_LINKS);
        int accessMode = flags & Fcntl.O_ACCMODE;
        if (accessMode != Fcntl.O_WRONLY) {
            options.add(StandardOpenOption.READ);
        }
        if (opensForWriting(flags)) {
            options.add(StandardOpenOption.WRITE);
        }
        return options;
    }

    private RegularFile openChannel(MountPoint mount, Path host, Set<OpenOption> options, int flags) {
        FileChannel channel;
        try {
            channel = FileChannel.open(host, options);
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
        WriteQuota.OpenInode inode;
        try {
            inode = io.quota(mount).open(host);
        } catch (ErrnoException e) {
            closeQuietly(channel);
            throw e;
        }
        try {
            return new RegularFile(channel, mount, inode, host, flags & Fcntl.O_ACCMODE, statusFlags(flags));
        } catch (ErrnoException e) {
            closeQuietly(channel);
            inode.close();
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Already failing with the first error.
        }
    }

    /** memfd_create's flags: MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL, MFD_EXEC. */
    private static final int MEMFD_FLAGS = 0x1 | 0x2 | 0x8 | 0x10;
    private static final int MFD_CLOEXEC = 0x1;
    /** Linux's limit on a memfd's name: 249 bytes ("memfd:" and the name fit NAME_MAX). */
    private static final int MEMFD_NAME_MAX = 249;
    /** The mount a memfd's file lives in: the run's private writable space, charged to its quota. */
    private static final String MEMFD_MOUNT = "/tmp";

    /**
     * memfd_create: an anonymous regular file, made in the run's private /tmp and unlinked at once
     * (under the namespace lock, so no other call sees its name): read, write, ftruncate, lseek
     * and private mmap work as on any file, and its bytes count against the /tmp quota until its
     * last fd closes. Without a writable /tmp mount there is nowhere to keep it: ENOSYS, which
     * programs take as a kernel without memfd and fall back. Seals are not kept (fcntl
     * F_ADD_SEALS is EINVAL); huge pages are EINVAL.
     */
    public int memfdCreate(String name, int flags) {
        if ((flags & ~MEMFD_FLAGS) != 0 || GuestNames.byteLength(name) > MEMFD_NAME_MAX) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return io.locked(() -> {
            io.fds.requireFree();
            if (!(io.namespace.lookup(MEMFD_MOUNT) instanceof HostFile directory) || directory.mount().readOnly()
                    || !directory.guestPath().equals(directory.mount().guestPath())) {
                throw new ErrnoException(Errno.ENOSYS, "no private writable /tmp for memfd");
            }
            Path host = directory.hostPath().resolve(".memfd-" + UUID.randomUUID());
            RegularFile file = openChannel(directory.mount(), host, Set.of(LinkOption.NOFOLLOW_LINKS,
                    StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW), Fcntl.O_RDWR);
            try {
                setPermissions(host, 0700);
                io.quota(directory.mount()).removeName(host, () -> Files.delete(host));
                file.unlinked(host);
            } catch (ErrnoException e) {
                file.release();
                throw e;
            }
            return io.fds.add(file, (flags & MFD_CLOEXEC) != 0, 0);
        });
    }

    /** newfstatat; an empty path with AT_EMPTY_PATH is fstat of {@code dirFd}. */
    public Stat statAt(int dirFd, String path, int flags) {
        int known = Fcntl.AT_SYMLINK_NOFOLLOW | Fcntl.AT_EMPTY_PATH | Fcntl.AT_NO_AUTOMOUNT;
        if ((flags & ~known) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (path.isEmpty() && (flags & Fcntl.AT_EMPTY_PATH) != 0) {
            return dirFd == Fcntl.AT_FDCWD ? io.locked(() -> io.namespace.stat(io.namespace.lookup(io.workingDirectory)))
                    : io.descriptors().fstat(dirFd);
        }
        boolean follow = (flags & Fcntl.AT_SYMLINK_NOFOLLOW) == 0;
        return io.locked(() -> {
            Node node = io.namespace.resolve(baseDirectory(dirFd, path), path, follow);
            if (follow && node instanceof Device d && d.entry() instanceof Devices.DescriptorLink link) {
                return descriptorStat(link.fd());
            }
            return io.namespace.stat(node);
        });
    }

    /** stat of {@code /dev/fd/N}, followed: the open file's; ENOENT when there is no fd N. */
    private Stat descriptorStat(int fd) {
        try {
            return io.descriptors().fstat(fd);
        } catch (ErrnoException e) {
            throw e.errno() == Errno.EBADF ? new ErrnoException(Errno.ENOENT, "no fd " + fd) : e;
        }
    }

    /** statfs: the file system holding the file {@code path} names (symlinks followed). */
    public FileSystemStat statfs(String path) {
        return io.locked(() -> switch (io.namespace.resolve(io.workingDirectory, path, true)) {
            case HostFile f -> fileSystem(f.mount());
            case VirtualDirectory v -> VIRTUAL_FILE_SYSTEM;
            case Device d -> VIRTUAL_FILE_SYSTEM;
            case Absent a -> throw new ErrnoException(Errno.ENOENT);
            case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
        });
    }

    /** fstatfs: the file system holding the open file {@code fd}. */
    public FileSystemStat fstatfs(int fd) {
        OpenFile file = io.fds.get(fd);
        return file.mount().map(this::fileSystem)
                .orElse(file instanceof DirectoryFile || file instanceof DeviceFile ? VIRTUAL_FILE_SYSTEM
                        : PIPE_FILE_SYSTEM);
    }

    /** Directories above the mounts: read-only, nothing in them can be stored. */
    private static final FileSystemStat VIRTUAL_FILE_SYSTEM = new FileSystemStat(FileSystemStat.HOST_MAGIC,
            GuestNamespace.BLOCK_SIZE, 0, 0, 0, 0, 0, FileSystemStat.NAME_MAX, FileSystemStat.ST_RDONLY);
    private static final FileSystemStat PIPE_FILE_SYSTEM = new FileSystemStat(FileSystemStat.PIPEFS_MAGIC,
            GuestNamespace.BLOCK_SIZE, 0, 0, 0, 0, 0, FileSystemStat.NAME_MAX, 0);

    /**
     * A mount's numbers: a mount with a write quota (the private /tmp) is as big as its quota, as a
     * tmpfs is; any other mount reports its host file system's sizes. File counts are not known (0).
     */
    private FileSystemStat fileSystem(MountPoint mount) {
        long flags = mount.readOnly() ? FileSystemStat.ST_RDONLY : 0;
        WriteQuota quota = io.quota(mount);
        if (quota.limit() != Long.MAX_VALUE) {
            long block = GuestNamespace.BLOCK_SIZE;
            long free = Math.max(0, quota.limit() - quota.used()) / block;
            return new FileSystemStat(FileSystemStat.TMPFS_MAGIC, block, quota.limit() / block, free, free, 0, 0,
                    FileSystemStat.NAME_MAX, flags);
        }
        try {
            FileStore store = Files.getFileStore(mount.hostRoot());
            long block = store.getBlockSize();
            return new FileSystemStat(FileSystemStat.HOST_MAGIC, block, store.getTotalSpace() / block,
                    store.getUnallocatedSpace() / block, store.getUsableSpace() / block, 0, 0,
                    FileSystemStat.NAME_MAX, flags);
        } catch (IOException | UnsupportedOperationException e) {
            throw new ErrnoException(Errno.EIO, "file store of a mount: " + e.getMessage());
        }
    }

    /**
     * faccessat: F_OK or any of R_OK, W_OK, X_OK. W_OK on a read-only mount is EROFS; the rest is
     * the host's answer for the host file (so a file without any x bit is never executable).
     */
    public void accessAt(int dirFd, String path, int mode) {
        if ((mode & ~(Fcntl.R_OK | Fcntl.W_OK | Fcntl.X_OK)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        io.locked(() -> {
            Node node = io.namespace.resolve(baseDirectory(dirFd, path), path, true);
            switch (node) {
                case HostFile f -> {
                    if ((mode & Fcntl.W_OK) != 0 && f.mount().readOnly()) {
                        throw new ErrnoException(Errno.EROFS);
                    }
                    if ((mode & Fcntl.R_OK) != 0 && !Files.isReadable(f.hostPath())
                            || (mode & Fcntl.W_OK) != 0 && !Files.isWritable(f.hostPath())
                            || (mode & Fcntl.X_OK) != 0 && !Files.isExecutable(f.hostPath())) {
                        throw new ErrnoException(Errno.EACCES);
                    }
                }
                case VirtualDirectory v -> {
                    if ((mode & Fcntl.W_OK) != 0) {
                        throw new ErrnoException(Errno.EROFS);
                    }
                }
                case Device d -> accessDevice(d, mode);
                case Absent a -> throw new ErrnoException(Errno.ENOENT);
                case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
            }
            return null;
        });
    }

    /**
     * faccessat in /dev, by the modes of {@link Devices}: the directories are not writable for the
     * guest's user, the devices are read-write for all and executable by none; /dev/fd/N answers
     * for whether fd N exists.
     */
    private void accessDevice(Device device, int mode) {
        switch (device.entry()) {
            case Devices.Directory directory -> {
                if ((mode & Fcntl.W_OK) != 0) {
                    throw new ErrnoException(Errno.EACCES);
                }
            }
            case Devices.CharacterDevice character -> {
                if ((mode & Fcntl.X_OK) != 0) {
                    throw new ErrnoException(Errno.EACCES);
                }
            }
            case Devices.DescriptorLink link -> descriptorStat(link.fd());
            case Devices.StandardStream stream -> throw new IllegalStateException("resolved through");
        }
    }

    /** getcwd: the working directory, ENOENT if it was removed. */
    public String getcwd() {
        return io.locked(() -> {
            if (!GuestNamespace.isDirectory(io.namespace.lookup(io.workingDirectory))) {
                throw new ErrnoException(Errno.ENOENT);
            }
            return io.workingDirectory;
        });
    }

    public void chdir(String path) {
        io.locked(() -> {
            Node node = io.namespace.resolve(io.workingDirectory, path, true);
            if (!GuestNamespace.exists(node)) {
                throw new ErrnoException(Errno.ENOENT);
            }
            if (!GuestNamespace.isDirectory(node)) {
                throw new ErrnoException(Errno.ENOTDIR);
            }
            if (node instanceof HostFile dir && !Files.isExecutable(dir.hostPath())) {
                throw new ErrnoException(Errno.EACCES);
            }
            io.workingDirectory = node.guestPath();
            return null;
        });
    }

    public void fchdir(int fd) {
        OpenFile file = io.fds.get(fd);
        if (!(file instanceof DirectoryFile dir)) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        io.locked(() -> io.workingDirectory = dir.guestPath());
    }

    public void mkdirAt(int dirFd, String path, int mode) {
        io.locked(() -> {
            Node node = io.namespace.resolve(baseDirectory(dirFd, path), path, false);
            switch (node) {
                case HostFile f -> throw new ErrnoException(Errno.EEXIST);
                case VirtualDirectory v -> throw new ErrnoException(Errno.EEXIST);
                case Device d -> throw new ErrnoException(Errno.EEXIST);
                case AbsentVirtual a -> throw new ErrnoException(Errno.EROFS);
                case Absent a -> {
                    if (a.mount().readOnly()) {
                        throw new ErrnoException(Errno.EROFS);
                    }
                    io.quota(a.mount()).makeDirectory(() -> Files.createDirectory(a.hostPath()));
                    setPermissions(a.hostPath(), mode);
                }
            }
            return null;
        });
    }

    /** unlinkat: a file, or with AT_REMOVEDIR an empty directory; never a mount point. */
    public void unlinkAt(int dirFd, String path, int flags) {
        if ((flags & ~Fcntl.AT_REMOVEDIR) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        boolean removeDirectory = (flags & Fcntl.AT_REMOVEDIR) != 0;
        String last = GuestPaths.lastComponent(path);
        if (removeDirectory && last.equals(".")) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if (removeDirectory && last.equals("..")) {
            throw new ErrnoException(Errno.ENOTEMPTY);
        }
        if (!removeDirectory && (last.equals(".") || last.equals(".."))) {
            throw new ErrnoException(Errno.EISDIR);
        }
        io.locked(() -> {
            Node node = io.namespace.resolve(baseDirectory(dirFd, path), path, false);
            HostFile file = switch (node) {
                case HostFile f -> f;
                case VirtualDirectory v -> throw new ErrnoException(Errno.EBUSY);
                case Device d -> throw new ErrnoException(Errno.EROFS);
                case Absent a -> throw new ErrnoException(a.mount().readOnly() ? Errno.EROFS : Errno.ENOENT);
                case AbsentVirtual a -> throw new ErrnoException(Errno.EROFS);
            };
            if (file.mount().readOnly()) {
                throw new ErrnoException(Errno.EROFS);
            }
            if (io.namespace.holdsMount(file.guestPath())) {
                throw new ErrnoException(Errno.EBUSY);
            }
            boolean isDirectory = file.type() == FileType.DIRECTORY;
            if (removeDirectory && !isDirectory) {
                throw new ErrnoException(Errno.ENOTDIR);
            }
            if (!removeDirectory && isDirectory) {
                throw new ErrnoException(Errno.EISDIR);
            }
            io.quota(file.mount()).removeName(file.hostPath(), () -> Files.delete(file.hostPath()));
            io.fds.openFiles().forEach(f -> f.unlinked(file.hostPath()));
            return null;
        });
    }

    /** renameat2 with flags 0 or RENAME_NOREPLACE, within one mount. */
    public void renameAt(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags) {
        if ((flags & ~Fcntl.RENAME_NOREPLACE) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        for (String last : new String[] {GuestPaths.lastComponent(oldPath), GuestPaths.lastComponent(newPath)}) {
            if (last.isEmpty() || last.equals(".") || last.equals("..")) {
                throw new ErrnoException(Errno.EBUSY);
            }
        }
        io.locked(() -> {
            Node from = io.namespace.resolve(baseDirectory(oldDirFd, oldPath), oldPath, false);
            Node to = io.namespace.resolve(baseDirectory(newDirFd, newPath), newPath, false);
            MountPoint mount = mountOf(from);
            if (mount != mountOf(to)) {
                throw new ErrnoException(Errno.EXDEV);
            }
            if (mount == null || mount.readOnly()) {
                throw new ErrnoException(Errno.EROFS);
            }
            if (!(from instanceof HostFile source)) {
                throw new ErrnoException(Errno.ENOENT);
            }
            if (io.namespace.holdsMount(from.guestPath()) || io.namespace.holdsMount(to.guestPath())) {
                throw new ErrnoException(Errno.EBUSY);
            }
            rename(source, to, flags);
            return null;
        });
    }

    private void rename(HostFile source, Node to, int flags) {
        boolean sourceIsDirectory = source.type() == FileType.DIRECTORY;
        Path target = switch (to) {
            case HostFile existing -> {
                if (existing.hostPath().equals(source.hostPath())
                        || io.namespace.stat(existing).inode() == io.namespace.stat(source).inode()) {
                    yield null; // the same file: nothing to do
                }
                if ((flags & Fcntl.RENAME_NOREPLACE) != 0) {
                    throw new ErrnoException(Errno.EEXIST);
                }
                boolean targetIsDirectory = existing.type() == FileType.DIRECTORY;
                if (sourceIsDirectory && !targetIsDirectory) {
                    throw new ErrnoException(Errno.ENOTDIR);
                }
                if (!sourceIsDirectory && targetIsDirectory) {
                    throw new ErrnoException(Errno.EISDIR);
                }
                if (targetIsDirectory && !isEmptyDirectory(existing.hostPath())) {
                    throw new ErrnoException(Errno.ENOTEMPTY);
                }
                yield existing.hostPath();
            }
            case Absent absent -> absent.hostPath();
            default -> throw new IllegalStateException("rename target outside the source's mount: " + to);
        };
        if (target == null) {
            return;
        }
        if (sourceIsDirectory && GuestPaths.isWithin(to.guestPath(), source.guestPath())) {
            throw new ErrnoException(Errno.EINVAL, "directory into itself");
        }
        WriteQuota.HostAction move = () -> Files.move(source.hostPath(), target, StandardCopyOption.ATOMIC_MOVE);
        if (to instanceof HostFile) {
            io.quota(source.mount()).removeName(target, move); // the file replaced loses its name
        } else {
            try {
                move.run();
            } catch (IOException e) {
                throw HostErrors.toErrno(e);
            }
        }
        for (OpenFile file : io.fds.openFiles()) {
            file.unlinked(target);
            file.moved(source.hostPath(), target, source.guestPath(), to.guestPath());
        }
        io.workingDirectory = GuestPaths.rebase(io.workingDirectory, source.guestPath(), to.guestPath());
    }

    private static boolean isEmptyDirectory(Path directory) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    private static MountPoint mountOf(Node node) {
        return switch (node) {
            case HostFile f -> f.mount();
            case Absent a -> a.mount();
            case VirtualDirectory v -> null;
            case Device d -> null;
            case AbsentVirtual a -> null;
        };
    }

    /**
     * symlinkat: a symbolic link at {@code path} in a writable mount, holding {@code target} as
     * the guest gave it (Java collapses repeated and trailing slashes). The host never follows it:
     * like every symlink in a mount it is read and resolved in the guest's namespace.
     */
    public void symlinkAt(String target, int dirFd, String path) {
        if (target.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT);
        }
        io.locked(() -> {
            Absent name = absentWritable(io.namespace.resolve(baseDirectory(dirFd, path), path, false));
            Path hostTarget;
            try {
                hostTarget = Path.of(GuestNames.toHost(target));
            } catch (InvalidPathException e) {
                throw new ErrnoException(Errno.EINVAL, "link target");
            }
            io.quota(name.mount()).makeSymlink(name.hostPath(),
                    () -> Files.createSymbolicLink(name.hostPath(), hostTarget));
            return null;
        });
    }

    /**
     * linkat: a second name for a regular file or symlink, in the same writable mount (EXDEV
     * across mounts, EPERM for directories). With AT_SYMLINK_FOLLOW a symlink named last is
     * followed, in the guest's namespace. Without it, a symlink that would lead the host out of
     * the mount gets no new name (EPERM, see {@link #leadsOutOfItsMount}).
     */
    public void linkAt(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags) {
        if ((flags & ~(Fcntl.AT_SYMLINK_FOLLOW | Fcntl.AT_EMPTY_PATH)) != 0) {
            throw new ErrnoException(Errno.EINVAL);
        }
        if ((flags & Fcntl.AT_EMPTY_PATH) != 0) {
            // Linux requires CAP_DAC_READ_SEARCH for linking an fd; the guest has no capabilities.
            throw new ErrnoException(Errno.ENOENT);
        }
        boolean follow = (flags & Fcntl.AT_SYMLINK_FOLLOW) != 0;
        io.locked(() -> {
            Node from = io.namespace.resolve(baseDirectory(oldDirFd, oldPath), oldPath, follow);
            Node to = io.namespace.resolve(baseDirectory(newDirFd, newPath), newPath, false);
            HostFile source = switch (from) {
                case HostFile f when f.type() == FileType.DIRECTORY -> throw new ErrnoException(Errno.EPERM);
                case HostFile f when f.type() == FileType.REGULAR || f.type() == FileType.SYMLINK -> f;
                case HostFile f -> throw new ErrnoException(Errno.EPERM, "special file");
                case VirtualDirectory v -> throw new ErrnoException(Errno.EPERM);
                case Device d -> throw new ErrnoException(Errno.EXDEV);
                case Absent a -> throw new ErrnoException(Errno.ENOENT);
                case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
            };
            Absent name = absentWritable(to);
            if (source.mount() != name.mount()) {
                throw new ErrnoException(Errno.EXDEV);
            }
            if (source.type() == FileType.SYMLINK && leadsOutOfItsMount(source)) {
                throw new ErrnoException(Errno.EPERM, "a symlink leading out of its mount");
            }
            try {
                Files.createLink(name.hostPath(), source.hostPath());
            } catch (IOException e) {
                throw HostErrors.toErrno(e);
            }
            return null;
        });
    }

    /**
     * Whether the host, following symlink {@code link}, would leave the link's mount: whether its
     * target, absolute or taken from the link's directory, lies outside the mount's host
     * directory. Decided on the text alone (lexically), so that the answer never tells the guest
     * anything about host files outside the mount. A symlink planted by the host may point
     * anywhere on the host; a hard link to it would be a second host-side name for that way out,
     * made by the guest where host tools walking the mount would follow it.
     */
    private static boolean leadsOutOfItsMount(HostFile link) {
        try {
            Path target = Files.readSymbolicLink(link.hostPath());
            return !link.hostPath().resolveSibling(target).normalize().startsWith(link.mount().hostRoot());
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    /** A name a new file may take: absent, in a writable mount (EEXIST, EROFS otherwise). */
    private static Absent absentWritable(Node node) {
        return switch (node) {
            case Absent a when a.mount().readOnly() -> throw new ErrnoException(Errno.EROFS);
            case Absent a -> a;
            case AbsentVirtual a -> throw new ErrnoException(Errno.EROFS);
            case HostFile f -> throw new ErrnoException(Errno.EEXIST);
            case VirtualDirectory v -> throw new ErrnoException(Errno.EEXIST);
            case Device d -> throw new ErrnoException(Errno.EEXIST);
        };
    }

    /** fchmodat: the permission bits of a file or directory in a writable mount. */
    public void chmodAt(int dirFd, String path, int mode) {
        io.locked(() -> {
            applyPermissions(writableHostPath(io.namespace.resolve(baseDirectory(dirFd, path), path, true)), mode);
            return null;
        });
    }

    /** fchmod: as {@link #chmodAt} for the file {@code fd} names; nothing to do once it was removed. */
    public void chmod(int fd, int mode) {
        io.locked(() -> {
            Path host = writableHostPath(io.fds.get(fd));
            if (host != null) {
                applyPermissions(host, mode);
            }
            return null;
        });
    }

    /** fchmod and futimens: the file an fd names must be one in a writable mount (EROFS otherwise). */
    private static Path writableHostPath(OpenFile file) {
        return switch (file) {
            case RegularFile f -> f.writableHostPath();
            case DirectoryFile d -> d.writableHostPath();
            default -> throw new ErrnoException(Errno.EROFS, "not a file in a mount");
        };
    }

    /**
     * utimensat with a path: sets the access and modification times ({@link
     * Timespec#UTIME_NOW}, {@link Timespec#UTIME_OMIT} as Linux) of a file in a writable mount;
     * with AT_SYMLINK_NOFOLLOW those of a symbolic link itself.
     */
    public void setTimesAt(int dirFd, String path, Timespec access, Timespec modification, int flags) {
        if ((flags & ~Fcntl.AT_SYMLINK_NOFOLLOW) != 0 || !validTime(access) || !validTime(modification)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        boolean follow = (flags & Fcntl.AT_SYMLINK_NOFOLLOW) == 0;
        io.locked(() -> {
            Path host = writableHostPath(io.namespace.resolve(baseDirectory(dirFd, path), path, follow));
            setTimes(host, access, modification);
            return null;
        });
    }

    /** futimens: as {@link #setTimesAt} for the file {@code fd} names; nothing to do once it was removed. */
    public void setTimes(int fd, Timespec access, Timespec modification) {
        if (!validTime(access) || !validTime(modification)) {
            throw new ErrnoException(Errno.EINVAL);
        }
        io.locked(() -> {
            Path host = writableHostPath(io.fds.get(fd));
            if (host != null) {
                setTimes(host, access, modification);
            }
            return null;
        });
    }

    /** Never follows a host symlink: a followed guest path already ended at the file itself. */
    private static void setTimes(Path host, Timespec access, Timespec modification) {
        Instant now = Instant.now();
        try {
            Files.getFileAttributeView(host, java.nio.file.attribute.BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setTimes(fileTime(modification, now), fileTime(access, now), null);
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }

    private static boolean validTime(Timespec time) {
        return time.nanos() == Timespec.UTIME_NOW || time.nanos() == Timespec.UTIME_OMIT
                || (time.seconds() >= 0 && time.nanos() >= 0 && time.nanos() < 1_000_000_000L);
    }

    private static java.nio.file.attribute.FileTime fileTime(Timespec time, Instant now) {
        if (time.nanos() == Timespec.UTIME_OMIT) {
            return null;
        }
        Instant instant = time.nanos() == Timespec.UTIME_NOW ? now : Instant.ofEpochSecond(time.seconds(), time.nanos());
        return java.nio.file.attribute.FileTime.from(instant);
    }

    /** The host path of an existing file whose attributes the guest may change. */
    private static Path writableHostPath(Node node) {
        return switch (node) {
            case HostFile f -> {
                if (f.mount().readOnly()) {
                    throw new ErrnoException(Errno.EROFS);
                }
                yield f.hostPath();
            }
            case VirtualDirectory v -> throw new ErrnoException(Errno.EROFS);
            case Device d -> throw new ErrnoException(Errno.EROFS);
            case AbsentVirtual a -> throw new ErrnoException(Errno.ENOENT);
            case Absent a -> throw new ErrnoException(Errno.ENOENT);
        };
    }

    public String readlinkAt(int dirFd, String path) {
        return io.locked(() -> {
            Node node = io.namespace.resolve(baseDirectory(dirFd, path), path, false);
            if (node instanceof HostFile link && link.type() == FileType.SYMLINK) {
                return io.namespace.readLink(link);
            }
            if (node instanceof Device d && d.entry() instanceof Devices.StandardStream stream) {
                return stream.target();
            }
            if (node instanceof Device d && d.entry() instanceof Devices.DescriptorLink link) {
                return describe(link.fd());
            }
            throw new ErrnoException(GuestNamespace.exists(node) ? Errno.EINVAL : Errno.ENOENT);
        });
    }

    /**
     * readlink of {@code /dev/fd/N}, Linux's text for what fd N is: a directory's or a device's
     * path, {@code pipe:[inode]} or {@code socket:[inode]}, a regular file's path ({@code
     * (deleted)} after its last name went).
     */
    private String describe(int fd) {
        OpenFile file;
        try {
            file = io.fds.get(fd);
        } catch (ErrnoException e) {
            throw new ErrnoException(Errno.ENOENT, "no fd " + fd);
        }
        return switch (file) {
            case DirectoryFile directory -> directory.guestPath();
            case DeviceFile device -> Devices.ROOT + "/" + device.device().deviceName();
            case RegularFile regular -> regular.hostPath() == null ? "(deleted)"
                    : io.namespace.guestPathOf(regular.mount().orElseThrow(), regular.hostPath());
            case PipeEnd end when end.isPtyMaster() -> Devices.ROOT + "/" + Devices.CharacterDevice.PTMX.deviceName();
            case PipeEnd end when end.isTerminal() -> Devices.ROOT + "/pts/" + end.ptyNumber();
            case PipeEnd end -> (end.stat().type() == FileType.SOCKET ? "socket:[" : "pipe:[") + end.stat().inode() + "]";
            case UnixSocket socket -> "socket:[" + socket.stat().inode() + "]";
            case ConsoleInput console -> "pipe:[" + console.stat().inode() + "]";
            case ConsoleOutput console -> "pipe:[" + console.stat().inode() + "]";
            case EventFile counter -> "anon_inode:[eventfd]";
            case EpollFile epoll -> "anon_inode:[eventpoll]";
            case PathFile path -> "(O_PATH)";
        };
    }

    /** The directory a relative {@code path} starts from: the working directory or {@code dirFd}'s. */
    private String baseDirectory(int dirFd, String path) {
        if (path.startsWith("/") || dirFd == Fcntl.AT_FDCWD) {
            return io.workingDirectory;
        }
        if (!(io.fds.get(dirFd) instanceof DirectoryFile dir)) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        return dir.guestPath();
    }

    /** A new file's or directory's mode: the guest kernel has already taken its process's umask out. */
    private static void setPermissions(Path host, int mode) {
        applyPermissions(host, mode);
    }

    /** Sets the rwx bits of {@code mode} exactly (set-id and sticky bits are not kept). */
    private static void applyPermissions(Path host, int mode) {
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] byBit = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        int bits = mode & 0777;
        for (int bit = 0; bit < byBit.length; bit++) {
            if ((bits & (1 << bit)) != 0) {
                permissions.add(byBit[bit]);
            }
        }
        try {
            Files.setPosixFilePermissions(host, permissions);
        } catch (IOException e) {
            throw HostErrors.toErrno(e);
        }
    }
}
