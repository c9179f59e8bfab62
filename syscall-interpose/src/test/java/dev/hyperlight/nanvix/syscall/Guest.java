package dev.hyperlight.nanvix.syscall;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.memory.GuestMemory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A test guest: 1 MiB of "guest RAM" in an Arena, a bump allocator for strings and buffers in it,
 * and the default syscall table over a HostIo, so tests make calls the way the guest kernel does.
 */
final class Guest implements AutoCloseable {

    static final int RAM = 1 << 20;
    static final int AT_FDCWD = -100;

    final Arena arena = Arena.ofShared();
    final MemorySegment ram = arena.allocate(RAM, 4096);
    final GuestMemory memory = GuestMemory.of(ram);
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    final HostIo io;
    final RunState state = new RunState();
    private final SyscallTable table = SyscallTable.defaults();
    private long next = 4096;

    Guest(IoConfig.Builder config) {
        this(config, "");
    }

    Guest(IoConfig.Builder config, String stdin) {
        io = new HostIo(config.stdin(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)))
                .stdout(stdout).stderr(stderr).build());
    }

    long call(Sysno sysno, long... args) {
        return table.dispatch(SyscallRequest.of(sysno, args), memory, io, state);
    }

    /** A fresh, zeroed, 16-byte aligned guest buffer. */
    long alloc(long size) {
        long at = next;
        next = (next + size + 15) & ~15L;
        if (next > RAM) {
            throw new IllegalStateException("test guest out of RAM");
        }
        ram.asSlice(at, size).fill((byte) 0);
        return at;
    }

    /** A NUL-terminated copy of {@code text} in guest RAM. */
    long string(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long at = alloc(bytes.length + 1);
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, at, bytes.length);
        return at;
    }

    long bytes(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        long at = alloc(Math.max(bytes.length, 1));
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, at, bytes.length);
        return at;
    }

    /** Little-endian 64-bit words back to back in guest RAM (a struct argument). */
    long words(long... values) {
        long at = alloc(values.length * 8L);
        for (int i = 0; i < values.length; i++) {
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, at + i * 8L, values[i]);
        }
        return at;
    }

    String text(long gpa, long length) {
        return new String(ram.asSlice(gpa, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    long u64(long gpa, long offset) {
        return ram.get(ValueLayout.JAVA_LONG_UNALIGNED, gpa + offset);
    }

    int u32(long gpa, long offset) {
        return ram.get(ValueLayout.JAVA_INT_UNALIGNED, gpa + offset);
    }

    // ---- the calls tests use most, with Linux's argument order ----

    long open(String path, int flags) {
        return open(path, flags, 0);
    }

    long open(String path, int flags, int mode) {
        return call(Sysno.OPENAT, AT_FDCWD, string(path), flags, mode);
    }

    long write(long fd, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return call(Sysno.WRITE, fd, bytes(text), bytes.length);
    }

    /** Reads up to {@code count} bytes; the text read, or null if the call failed. */
    String read(long fd, int count) {
        long buffer = alloc(count);
        long n = call(Sysno.READ, fd, buffer, count);
        return n < 0 ? null : text(buffer, n);
    }

    /** newfstatat into a fresh buffer: returns the buffer, or throws with the errno. */
    long stat(String path, int flags) {
        long buffer = alloc(144);
        long result = call(Sysno.NEWFSTATAT, AT_FDCWD, string(path), buffer, flags);
        if (result != 0) {
            throw new AssertionError("stat " + path + " failed: " + result);
        }
        return buffer;
    }

    long statResult(String path, int flags) {
        return call(Sysno.NEWFSTATAT, AT_FDCWD, string(path), alloc(144), flags);
    }

    static long err(Errno errno) {
        return errno.result();
    }

    @Override
    public void close() {
        io.close();
        arena.close();
    }
}
