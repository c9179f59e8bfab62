package dev.hyperlight.nanvix.file;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Stat;
import dev.hyperlight.nanvix.vfs.Devices.CharacterDevice;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An open character device of the sandbox's {@code /dev}, as Linux's drivers answer: {@code null}
 * reads end of file and takes every write; {@code zero} reads zeros and takes every write; {@code
 * full} reads zeros and refuses writes with ENOSPC; {@code random} and {@code urandom} read the
 * host's CSPRNG (the only thing of the host behind {@code /dev}) and take writes, which Linux mixes
 * into its pool and the sandbox drops. Positions do not matter: pread and pwrite act as read and
 * write, and every lseek answers 0.
 */
public final class DeviceFile extends OpenFile {

    private final CharacterDevice device;
    private final Stat stat;
    private final Consumer<MemorySegment> random;

    /**
     * @param random fills a buffer from the host's CSPRNG
     * @throws IllegalArgumentException for {@code tty}, which cannot be opened, and {@code ptmx},
     *     which opens a pseudo-terminal ({@link PipeEnd#pty})
     */
    public DeviceFile(CharacterDevice device, int accessMode, int statusFlags, Stat stat,
            Consumer<MemorySegment> random) {
        super(accessMode, statusFlags);
        if (device == CharacterDevice.TTY || device == CharacterDevice.PTMX) {
            throw new IllegalArgumentException("not a DeviceFile: " + device);
        }
        this.device = device;
        this.stat = stat;
        this.random = Objects.requireNonNull(random, "random");
    }

    public CharacterDevice device() {
        return device;
    }

    @Override
    public long read(MemorySegment buffer) {
        if (!readable()) {
            throw new ErrnoException(Errno.EBADF);
        }
        switch (device) {
            case NULL -> {
                return 0;
            }
            case ZERO, FULL -> buffer.fill((byte) 0);
            case RANDOM, URANDOM -> random.accept(buffer);
            case TTY, PTMX -> throw new IllegalStateException("never a DeviceFile");
        }
        return buffer.byteSize();
    }

    @Override
    public long write(MemorySegment data) {
        if (!writable()) {
            throw new ErrnoException(Errno.EBADF);
        }
        if (device == CharacterDevice.FULL) {
            throw new ErrnoException(Errno.ENOSPC);
        }
        return data.byteSize();
    }

    @Override
    public long readAt(MemorySegment buffer, long offset) {
        return read(buffer);
    }

    @Override
    public long writeAt(MemorySegment data, long offset) {
        return write(data);
    }

    @Override
    public long seek(long offset, int whence) {
        return 0;
    }

    @Override
    public Stat stat() {
        return stat;
    }

    @Override
    public void release() {
        // Nothing is held on the host.
    }
}
