package dev.hyperlight.nanvix.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.abi.Fcntl;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HostIo's lifecycle and configuration, through its Java API. */
class HostIoTest {

    @TempDir
    Path tmp;

    private static long hostFdCount() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void closeReleasesEveryHostFileAndFlushesButKeepsTheConsoleStreamsOpen() throws IOException {
        Files.writeString(tmp.resolve("f"), "x");
        boolean[] closed = {false};
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        OutputStream stdout = new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        };
        long before = hostFdCount();
        HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).stdout(stdout).build());
        int first = io.fileSystem().openAt(Fcntl.AT_FDCWD, "/tmp/f", Fcntl.O_RDONLY, 0);
        for (int i = 1; i < 20; i++) {
            io.fileSystem().openAt(Fcntl.AT_FDCWD, "/tmp/f", Fcntl.O_RDONLY, 0);
        }
        io.descriptors().dup(first);
        assertThat(hostFdCount()).isGreaterThanOrEqualTo(before + 20);
        io.close();
        assertThat(hostFdCount()).isEqualTo(before);
        assertThatThrownBy(() -> io.descriptors().fstat(first)).isInstanceOf(ErrnoException.class);
        assertThatThrownBy(() -> io.descriptors().fstat(1)).isInstanceOf(ErrnoException.class);
        assertThat(closed[0]).isFalse();
        io.close();
    }

    @Test
    void errorsCarryTheirErrno() {
        try (HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).build())) {
            assertThatThrownBy(() -> io.fileSystem().openAt(Fcntl.AT_FDCWD, "/tmp/none", Fcntl.O_RDONLY, 0))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(8);
                assertThatThrownBy(() -> io.descriptors().read(9, buffer))
                        .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
            }
        }
    }

    @Test
    void theWorkingDirectoryMustBeADirectoryOfTheNamespace() throws IOException {
        Files.writeString(tmp.resolve("file"), "");
        Files.createDirectory(tmp.resolve("sub"));
        assertThatThrownBy(() -> new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp))
                .workingDirectory("/tmp/file").build())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/tmp/file");
        assertThatThrownBy(() -> new HostIo(IoConfig.builder().workingDirectory("/nowhere").build()))
                .isInstanceOf(IllegalArgumentException.class);
        try (HostIo io = new HostIo(IoConfig.builder().mount(Mount.writable("/tmp", tmp))
                .workingDirectory("/tmp/sub").build())) {
            assertThat(io.fileSystem().getcwd()).isEqualTo("/tmp/sub");
        }
        try (HostIo io = new HostIo(IoConfig.builder().build())) {
            assertThat(io.fileSystem().getcwd()).isEqualTo("/");
        }
    }

    @Test
    void mountsNeedAnExistingHostDirectory() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain"), "");
        assertThatThrownBy(() -> new HostIo(IoConfig.builder().mount(Mount.writable("/x", tmp.resolve("missing"))).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/x");
        assertThatThrownBy(() -> new HostIo(IoConfig.builder().mount(Mount.writable("/x", file)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
    }

    @Test
    void mountPointsMustBeCanonicalAndDistinct() {
        for (String bad : List.of("tmp", "/tmp/", "/a//b", "/a/./b", "/a/../b", "", "/a\0b")) {
            assertThatThrownBy(() -> Mount.writable(bad, tmp)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> IoConfig.builder().mount(Mount.writable("/a", tmp)).mount(Mount.readOnly("/a", tmp))
                .build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IoConfig.builder().workingDirectory("relative").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMountedHostSymlinkIsFollowedOnceWhenTheSandboxStarts() throws IOException {
        Path real = Files.createDirectory(tmp.resolve("real"));
        Files.writeString(real.resolve("f"), "via link");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        try (HostIo io = new HostIo(IoConfig.builder().mount(Mount.readOnly("/data", link)).build())) {
            assertThat(io.fileSystem().statAt(Fcntl.AT_FDCWD, "/data/f", 0).size()).isEqualTo(8);
        }
    }
}
