package dev.hyperlight.nanvix.benchmarks;

import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.memory.GuestMemory;
import dev.hyperlight.nanvix.syscall.RunState;
import dev.hyperlight.nanvix.syscall.SyscallRequest;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The host's side of a forwarded call alone, no VM: {@link SyscallTable#dispatch} over a sandbox's
 * {@code HostIo} and a guest RAM segment, as the VMM calls it after the exit. This is the part of a
 * forwarded call that runs natively on any host (docs/benchmarks.md measured it at 33-40 us inside
 * a whole forwarded call under PVM); runs anywhere, {@code /dev/kvm} or not. Add {@code -prof gc}
 * for the bytes each call allocates.
 */
@Fork(1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class HostDispatchBenchmarks {

    private static final int RAM = 1 << 20;
    private static final int BUFFER = 64 << 10;

    private Path tmp;
    private Arena arena;
    private MemorySegment ram;
    private GuestMemory memory;
    private HostIo io;
    private final RunState state = new RunState();
    private final SyscallTable table = SyscallTable.defaults();
    private long fd;
    private long path;
    private long newPath;
    private long statBuffer;
    private long iovecs;

    @Setup
    public void open() throws IOException {
        tmp = Files.createTempDirectory("host-dispatch");
        Files.write(tmp.resolve("data"), new byte[BUFFER]);
        arena = Arena.ofConfined();
        ram = arena.allocate(RAM, 4096);
        memory = GuestMemory.of(ram);
        io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp").writeQuota("/tmp", 1L << 30)
                .stdout(OutputStream.nullOutputStream()).stderr(OutputStream.nullOutputStream()).build());
        byte[] name = "/tmp/data\0".getBytes(StandardCharsets.UTF_8);
        path = 4096;
        MemorySegment.copy(name, 0, ram, ValueLayout.JAVA_BYTE, path, name.length);
        byte[] newName = "/tmp/new\0".getBytes(StandardCharsets.UTF_8);
        newPath = 4096 + 256;
        MemorySegment.copy(newName, 0, ram, ValueLayout.JAVA_BYTE, newPath, newName.length);
        statBuffer = 8192;
        iovecs = 12288;
        for (int i = 0; i < 4; i++) {
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, iovecs + 16L * i, 16384 + 1024L * i);
            ram.set(ValueLayout.JAVA_LONG_UNALIGNED, iovecs + 16L * i + 8, 1024);
        }
        fd = call(Sysno.OPENAT, -100, path, Fcntl.O_RDWR, 0);
        if (fd < 0) {
            throw new IllegalStateException("openat: " + fd);
        }
    }

    @TearDown
    public void close() throws IOException {
        io.close();
        arena.close();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private long call(Sysno sysno, long... args) {
        return table.dispatch(SyscallRequest.of(sysno, args), memory, io, state);
    }

    /** A call that does next to nothing on the host: {@code fcntl(fd, F_GETFD)}. */
    @Benchmark
    public long nullCall() {
        return call(Sysno.FCNTL, fd, Fcntl.F_GETFD, 0);
    }

    /** {@code pread64} of 64 KiB from a host file into guest RAM. */
    @Benchmark
    public long read64k() {
        return call(Sysno.PREAD64, fd, 65536, BUFFER, 0);
    }

    /** {@code newfstatat} of a path in a writable mount. */
    @Benchmark
    public long stat() {
        return call(Sysno.NEWFSTATAT, -100, path, statBuffer, 0);
    }

    /** {@code pwritev} of four 1 KiB vectors, gathered on the host into one write. */
    @Benchmark
    public long pwritev4k() {
        return call(Sysno.PWRITEV, fd, iovecs, 4, 0);
    }

    /** {@code openat} of an existing file for reading, then {@code close}. */
    @Benchmark
    public long openClose() {
        long opened = call(Sysno.OPENAT, -100, path, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
        return call(Sysno.CLOSE, opened);
    }

    /** A new file's life in a writable mount: {@code openat(O_CREAT | O_EXCL)}, {@code close}, {@code unlinkat}. */
    @Benchmark
    public long createCloseUnlink() {
        long created = call(Sysno.OPENAT, -100, newPath, Fcntl.O_CREAT | Fcntl.O_EXCL | Fcntl.O_WRONLY | Fcntl.O_CLOEXEC, 0644);
        call(Sysno.CLOSE, created);
        return call(Sysno.UNLINKAT, -100, newPath, 0);
    }
}
