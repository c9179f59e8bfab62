package dev.hyperlight.nanvix.syscall;

import static dev.hyperlight.nanvix.abi.Fcntl.*;
import static dev.hyperlight.nanvix.syscall.Guest.AT_FDCWD;
import static dev.hyperlight.nanvix.syscall.Guest.err;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.Sysno;
import dev.hyperlight.nanvix.io.HostIo;
import dev.hyperlight.nanvix.io.IoConfig;
import dev.hyperlight.nanvix.io.IoLimit;
import dev.hyperlight.nanvix.vfs.Mount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.HashSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code /tmp} quota counts host inodes, not names (issue 19): a file's bytes come back only
 * when its last name and its last open description are gone, in any process of the run;
 * symlinks cost their target's length and directories 4096 bytes; truncation, overwrites and
 * sparse writes keep the count exact. Each test learns what is left by filling a probe file.
 */
class TmpQuotaTest {

    private static final int DIRECTORY_COST = 4096;
    private static final int BLOCK = 4096;

    @TempDir
    Path tmp;
    Guest guest;
    /** Guest memory the probe writes from, reused: a test guest's memory is never freed. */
    private long probe;
    private int probeSize;

    private Guest start(long quota) {
        guest = new Guest(IoConfig.builder().mount(Mount.writable("/tmp", tmp)).workingDirectory("/tmp")
                .writeQuota("/tmp", quota));
        return guest;
    }

    @AfterEach
    void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    /** The bytes the quota still has room for: a probe file takes them, then is removed and closed. */
    private long room(int atMost) {
        if (probeSize < atMost) {
            probe = guest.alloc(atMost);
            probeSize = atMost;
        }
        long fd = guest.open("/tmp/probe", O_WRONLY | O_CREAT | O_EXCL, 0600);
        long written = guest.call(Sysno.WRITE, fd, probe, atMost);
        assertThat(guest.call(Sysno.CLOSE, fd)).isZero();
        assertThat(unlink("/tmp/probe")).isZero();
        return written == err(Errno.ENOSPC) ? 0 : written;
    }

    private long create(String path, int bytes) {
        long fd = guest.open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
        assertThat(fd).isGreaterThanOrEqualTo(3);
        if (bytes > 0) {
            assertThat(guest.write(fd, "d".repeat(bytes))).isEqualTo(bytes);
        }
        return fd;
    }

    private long link(String from, String to) {
        return guest.call(Sysno.LINKAT, AT_FDCWD, guest.string(from), AT_FDCWD, guest.string(to), 0);
    }

    private long unlink(String path) {
        return guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string(path), 0);
    }

    private long rename(String from, String to) {
        return guest.call(Sysno.RENAMEAT2, AT_FDCWD, guest.string(from), AT_FDCWD, guest.string(to), 0);
    }

    private long close(long fd) {
        return guest.call(Sysno.CLOSE, fd);
    }

    @Test
    void theHardLinkAttackOfIssue19KeepsItsBytesCharged() {
        start(100);
        long first = create("/tmp/a", 80);
        assertThat(link("/tmp/a", "/tmp/b")).isZero();
        assertThat(unlink("/tmp/a")).isZero();
        assertThat(unlink("/tmp/b")).isZero();

        long second = guest.open("/tmp/a", O_RDWR | O_CREAT | O_EXCL, 0600);
        assertThat(guest.write(second, "d".repeat(80))).as("the first 80 bytes are still on the host's disk")
                .isEqualTo(20);
        assertThat(link("/tmp/a", "/tmp/b")).isZero();
        assertThat(unlink("/tmp/b")).isZero();
        assertThat(unlink("/tmp/a")).isZero();
        long third = guest.open("/tmp/a", O_RDWR | O_CREAT | O_EXCL, 0600);
        assertThat(guest.write(third, "d")).isEqualTo(err(Errno.ENOSPC));
        assertThat(guest.io.limitsReached()).containsExactly(IoLimit.WRITE_QUOTA);

        assertThat(close(first)).isZero();
        assertThat(close(second)).isZero();
        assertThat(room(100)).as("closing the last fds gave the removed files back").isEqualTo(100);
    }

    @Test
    void aFileRemovedWhileOpenIsGivenBackWhenItsLastDescriptionCloses() {
        start(100);
        long fd = create("/tmp/a", 60);
        long duplicate = guest.call(Sysno.DUP, fd);
        long reopened = guest.open("/tmp/a", O_RDONLY);
        assertThat(unlink("/tmp/a")).isZero();
        assertThat(room(100)).isEqualTo(40);
        assertThat(close(fd)).isZero();
        assertThat(close(reopened)).isZero();
        assertThat(room(100)).as("the dup'ed fd still holds the description").isEqualTo(40);
        assertThat(close(duplicate)).isZero();
        assertThat(room(100)).isEqualTo(100);
    }

    @Test
    void removingOneNameOfTwoKeepsTheChargeAndTheLastGivesItBack() {
        start(100);
        assertThat(close(create("/tmp/a", 70))).isZero();
        assertThat(link("/tmp/a", "/tmp/b")).isZero();
        assertThat(room(100)).as("a second name costs nothing").isEqualTo(30);
        assertThat(unlink("/tmp/a")).isZero();
        assertThat(room(100)).isEqualTo(30);
        assertThat(unlink("/tmp/b")).isZero();
        assertThat(room(100)).isEqualTo(100);
    }

    @Test
    void aRenameOverAFileRemovesItsNameAndAnOpenTargetIsGivenBackAtClose() {
        start(100);
        assertThat(close(create("/tmp/a", 60))).isZero();
        assertThat(close(create("/tmp/b", 30))).isZero();
        assertThat(rename("/tmp/b", "/tmp/a")).isZero();
        assertThat(room(100)).as("the 60 bytes replaced are gone from the disk").isEqualTo(70);

        long open = guest.open("/tmp/a", O_RDONLY);
        assertThat(close(create("/tmp/c", 10))).isZero();
        assertThat(rename("/tmp/c", "/tmp/a")).isZero();
        assertThat(room(100)).as("the replaced file is still open").isEqualTo(60);
        assertThat(close(open)).isZero();
        assertThat(room(100)).isEqualTo(90);
        assertThat(rename("/tmp/a", "/tmp/d")).isZero();
        assertThat(room(100)).as("a plain rename changes nothing").isEqualTo(90);
    }

    @Test
    void forkedProcessesShareTheQuotaAndTheOpenDescriptions() {
        start(100);
        HostIo child = guest.io.forkProcess();
        long inherited = create("/tmp/parent", 0);
        try {
            SyscallTable table = SyscallTable.defaults();
            long childFd = table.dispatch(SyscallRequest.of(Sysno.OPENAT, AT_FDCWD, guest.string("/tmp/child"),
                    O_WRONLY | O_CREAT, 0600), guest.memory, child, guest.state);
            assertThat(table.dispatch(SyscallRequest.of(Sysno.WRITE, childFd, guest.bytes("c".repeat(50)), 50),
                    guest.memory, child, guest.state)).isEqualTo(50);
            assertThat(room(100)).as("the child's file counts for the parent too").isEqualTo(50);

            HostIo grandchild = child.forkProcess();
            assertThat(unlink("/tmp/child")).isZero();
            assertThat(table.dispatch(SyscallRequest.of(Sysno.CLOSE, childFd), guest.memory, child, guest.state)).isZero();
            assertThat(room(100)).as("the grandchild still holds the child's file").isEqualTo(50);
            grandchild.close();
            assertThat(room(100)).isEqualTo(100);

            HostIo second = guest.io.forkProcess();
            assertThat(guest.write(inherited, "p".repeat(30))).isEqualTo(30);
            assertThat(unlink("/tmp/parent")).isZero();
            assertThat(close(inherited)).isZero();
            assertThat(room(100)).as("a forked process holds the parent's description").isEqualTo(70);
            second.close();
            assertThat(room(100)).isEqualTo(100);
        } finally {
            child.close();
        }
    }

    @Test
    void truncationAndOverwritesThroughAnyDescriptionKeepTheCountExact() {
        start(100);
        long one = create("/tmp/a", 50);
        long two = guest.open("/tmp/a", O_RDWR);
        assertThat(guest.call(Sysno.PWRITE64, two, guest.bytes("x".repeat(50)), 50, 0)).as("an overwrite")
                .isEqualTo(50);
        assertThat(room(100)).isEqualTo(50);
        assertThat(guest.call(Sysno.PWRITE64, two, guest.bytes("y".repeat(40)), 40, 30)).isEqualTo(40);
        assertThat(room(100)).as("only the 20 bytes past the end are new").isEqualTo(30);
        assertThat(guest.call(Sysno.FTRUNCATE, one, 10)).isZero();
        assertThat(room(100)).isEqualTo(90);
        assertThat(guest.call(Sysno.FTRUNCATE, one, 101)).as("all or nothing").isEqualTo(err(Errno.ENOSPC));
        assertThat(guest.call(Sysno.FTRUNCATE, two, 100)).isZero();
        assertThat(room(100)).isZero();
        assertThat(guest.call(Sysno.FTRUNCATE, two, 0)).isZero();
        assertThat(room(100)).isEqualTo(100);

        assertThat(guest.call(Sysno.PWRITE64, one, guest.bytes("z".repeat(30)), 30, 0)).isEqualTo(30);
        long truncating = guest.open("/tmp/a", O_RDONLY | O_TRUNC);
        assertThat(truncating).as("O_TRUNC empties the file whatever the access mode").isGreaterThanOrEqualTo(3);
        assertThat(room(100)).isEqualTo(100);
        assertThat(guest.write(one, "w".repeat(10))).as("the first fd's offset is past the new end")
                .isEqualTo(10);
        assertThat(room(100)).as("the write past the end made a hole that counts").isEqualTo(100 - 60);
    }

    @Test
    void aSparseWriteIsChargedUpToItsEndAndAnEmptyWriteChangesNothing() throws IOException {
        start(100);
        long fd = create("/tmp/a", 0);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x"), 1, 100)).isEqualTo(err(Errno.ENOSPC));
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x"), 0, 1000)).isZero();
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x".repeat(20)), 20, 90)).isEqualTo(10);
        assertThat(Files.size(tmp.resolve("a"))).isEqualTo(100);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("y".repeat(5)), 5, 0)).as("inside the file")
                .isEqualTo(5);
        assertThat(room(100)).isZero();
    }

    /** Issue 18: a program seeks to 2 GiB and writes a byte; the hole costs nothing, as on a tmpfs. */
    @Test
    void aSparseFileCostsTheBlocksItsDataFillsNotItsSize() throws IOException {
        start(16 * BLOCK);
        long fd = create("/tmp/sparse", 0);
        long twoGiB = 2L << 30;
        assertThat(guest.call(Sysno.LSEEK, fd, twoGiB, SEEK_SET)).isEqualTo(twoGiB);
        assertThat(guest.write(fd, "x")).isEqualTo(1);
        assertThat(Files.size(tmp.resolve("sparse"))).isEqualTo(twoGiB + 1);
        assertThat(room(16 * BLOCK)).as("the last block, up to the end of the file").isEqualTo(16 * BLOCK - 1);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("y".repeat(10)), 10, BLOCK + 5)).isEqualTo(10);
        assertThat(room(16 * BLOCK)).as("a block inside the hole costs whole").isEqualTo(15 * BLOCK - 1);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("z".repeat(10)), 10, BLOCK + 100)).isEqualTo(10);
        assertThat(room(16 * BLOCK)).as("the same block again costs nothing").isEqualTo(15 * BLOCK - 1);

        assertThat(close(fd)).isZero();
        assertThat(room(16 * BLOCK)).as("closed, the file keeps its cost").isEqualTo(15 * BLOCK - 1);
        long again = guest.open("/tmp/sparse", O_RDWR);
        assertThat(guest.call(Sysno.PWRITE64, again, guest.bytes("w"), 1, twoGiB)).isEqualTo(1);
        assertThat(room(16 * BLOCK)).as("reopened, its holes are still known").isEqualTo(15 * BLOCK - 1);
        assertThat(close(again)).isZero();
        assertThat(unlink("/tmp/sparse")).isZero();
        assertThat(room(16 * BLOCK)).as("removed, exactly its cost comes back").isEqualTo(16 * BLOCK);
    }

    @Test
    void realDataBeyondTheQuotaStillFailsInASparseFile() {
        start(4 * BLOCK);
        long fd = create("/tmp/sparse", 0);
        long far = 1L << 40;
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x"), 1, far)).isEqualTo(1);
        long data = guest.alloc(8 * BLOCK);
        assertThat(guest.call(Sysno.PWRITE64, fd, data, 8 * BLOCK, 0))
                .as("whole blocks of data fit, a fourth would need one byte more").isEqualTo(3 * BLOCK);
        assertThat(guest.call(Sysno.PWRITE64, fd, data, BLOCK, 10 * BLOCK)).isEqualTo(err(Errno.ENOSPC));
        assertThat(guest.io.limitsReached()).containsExactly(IoLimit.WRITE_QUOTA);
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 2 * BLOCK)).isZero();
        assertThat(room(4 * BLOCK)).as("cut to two blocks of data").isEqualTo(2 * BLOCK);
    }

    @Test
    void anOverwriteSucceedsInARunThatStartedPastItsQuota() throws IOException {
        Files.write(tmp.resolve("big"), new byte[200]);
        start(100);
        long fd = guest.open("/tmp/big", O_RDWR);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x".repeat(50)), 50, 10)).isEqualTo(50);
        assertThat(guest.call(Sysno.PWRITE64, fd, guest.bytes("x"), 1, 200)).isEqualTo(err(Errno.ENOSPC));
    }

    @Test
    void growingByFtruncateLeavesAHoleThatCostsOnlyTheLastBlock() {
        start(4 * BLOCK);
        long fd = create("/tmp/grown", 10);
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 1L << 30)).isZero();
        assertThat(room(4 * BLOCK)).as("the first block, whole now that the file goes on, and the block of the last byte")
                .isEqualTo(2 * BLOCK);
        assertThat(guest.call(Sysno.FTRUNCATE, fd, 5)).isZero();
        assertThat(room(4 * BLOCK)).isEqualTo(4 * BLOCK - 5);
    }

    @Test
    void aSymlinkCostsItsTargetAndOneThatDoesNotFitIsNotLeftBehind() {
        start(100);
        String target = "t".repeat(60);
        assertThat(guest.call(Sysno.SYMLINKAT, guest.string(target), AT_FDCWD, guest.string("/tmp/one"))).isZero();
        assertThat(room(100)).isEqualTo(40);
        assertThat(guest.call(Sysno.SYMLINKAT, guest.string(target), AT_FDCWD, guest.string("/tmp/two")))
                .isEqualTo(err(Errno.ENOSPC));
        assertThat(Files.exists(tmp.resolve("two"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(link("/tmp/one", "/tmp/hard")).as("a hard link to the symlink costs nothing").isZero();
        assertThat(unlink("/tmp/one")).isZero();
        assertThat(room(100)).isEqualTo(40);
        assertThat(unlink("/tmp/hard")).isZero();
        assertThat(room(100)).isEqualTo(100);
    }

    @Test
    void aDirectoryCostsOneBlockUntilItIsRemoved() {
        start(3 * DIRECTORY_COST - 1);
        long mkdir = guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/one"), 0700);
        assertThat(mkdir).isZero();
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/one/two"), 0700)).isZero();
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/three"), 0700))
                .isEqualTo(err(Errno.ENOSPC));
        assertThat(Files.exists(tmp.resolve("three"))).isFalse();
        assertThat(room(DIRECTORY_COST)).isEqualTo(DIRECTORY_COST - 1);
        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/one"), 0700)).as("EEXIST, not charged")
                .isEqualTo(err(Errno.EEXIST));

        assertThat(guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string("/tmp/one/two"), 0700))
                .isEqualTo(err(Errno.EEXIST));
        assertThat(rename("/tmp/one/two", "/tmp/two")).isZero();
        assertThat(rename("/tmp/two", "/tmp/one")).as("a directory renamed over an empty one removes it")
                .isZero();
        assertThat(room(2 * DIRECTORY_COST)).isEqualTo(2 * DIRECTORY_COST - 1);
        assertThat(guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string("/tmp/one"), AT_REMOVEDIR)).isZero();
        assertThat(room(3 * DIRECTORY_COST)).isEqualTo(3 * DIRECTORY_COST - 1);
    }

    @Test
    void aRunStartsChargedWithWhatItsMountHoldsEachInodeOnce() throws IOException {
        Files.write(tmp.resolve("file"), new byte[40]);
        Files.createLink(tmp.resolve("second-name"), tmp.resolve("file"));
        Files.createDirectory(tmp.resolve("directory"));
        Files.createSymbolicLink(tmp.resolve("directory/link"), Path.of("../file"));
        start(40 + DIRECTORY_COST + "../file".length() + 10);
        assertThat(room(100)).isEqualTo(10);
        assertThat(unlink("/tmp/file")).isZero();
        assertThat(room(100)).as("the second name keeps the file").isEqualTo(10);
        assertThat(unlink("/tmp/second-name")).isZero();
        assertThat(room(100)).isEqualTo(50);
    }

    /**
     * Random sequences of the calls that change what {@code /tmp} holds, from several processes;
     * after each call what the quota counts must be what the host holds: the inodes named in the
     * mount (a directory at 4096 bytes) and the removed files this JVM still holds open.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void whatTheQuotaCountsIsAlwaysWhatTheHostHolds(long seed) throws IOException {
        int quota = 64 << 10;
        start(quota);
        Random random = new Random(seed);
        long buffer = guest.alloc(quota);
        String[] names = {"/tmp/f0", "/tmp/f1", "/tmp/f2", "/tmp/f3", "/tmp/d0", "/tmp/d1"};
        List<Long> fds = new ArrayList<>();
        List<HostIo> children = new ArrayList<>();
        List<String> done = new ArrayList<>();
        Map<Long, Description> descriptions = new HashMap<>();
        Map<Object, FileBlocks> files = new HashMap<>();
        try {
            for (int step = 0; step < 150; step++) {
                String name = names[random.nextInt(names.length)];
                String other = names[random.nextInt(names.length)];
                long fd = fds.isEmpty() ? 99 : fds.get(random.nextInt(fds.size()));
                int size = random.nextInt(12_000);
                String call;
                long result;
                switch (random.nextInt(12)) {
                    case 0, 1 -> {
                        int flags = O_RDWR | O_CREAT | (random.nextBoolean() ? O_TRUNC : 0)
                                | (random.nextInt(4) == 0 ? O_APPEND : 0);
                        call = "open " + name + " " + Integer.toOctalString(flags);
                        result = guest.open(name, flags, 0600);
                        if (result >= 0) {
                            fds.add(result);
                            Object inode = inodeOf(tmp.resolve(name.substring("/tmp/".length())));
                            descriptions.put(result, new Description(inode, (flags & O_APPEND) != 0));
                            FileBlocks file = files.computeIfAbsent(inode, key -> new FileBlocks());
                            if ((flags & O_TRUNC) != 0 || Files.size(tmp.resolve(name.substring(5))) == 0) {
                                file.resize(0); // emptied, or created on an inode number used before
                            }
                        }
                    }
                    case 2, 3 -> {
                        int offset = random.nextInt(12_000);
                        call = "pwrite " + fd + " " + size + " at " + offset;
                        Description description = descriptions.get(fd);
                        long at = description != null && description.append()
                                ? files.get(description.inode()).size : offset;
                        result = guest.call(Sysno.PWRITE64, fd, buffer, size, offset);
                        if (result > 0) {
                            files.get(description.inode()).write(at, result);
                        }
                    }
                    case 4 -> {
                        call = "ftruncate " + fd + " " + size;
                        result = guest.call(Sysno.FTRUNCATE, fd, size);
                        if (result == 0) {
                            files.get(descriptions.get(fd).inode()).resize(size);
                        }
                    }
                    case 5 -> {
                        call = "close " + fd;
                        result = close(fd);
                        fds.remove(Long.valueOf(fd));
                        descriptions.remove(fd);
                    }
                    case 6 -> {
                        call = "link " + name + " " + other;
                        result = link(name, other);
                    }
                    case 7 -> {
                        call = "unlink " + name;
                        result = random.nextBoolean() ? unlink(name)
                                : guest.call(Sysno.UNLINKAT, AT_FDCWD, guest.string(name), AT_REMOVEDIR);
                    }
                    case 8 -> {
                        call = "rename " + name + " " + other;
                        result = rename(name, other);
                    }
                    case 9 -> {
                        call = "symlink " + size / 4 + " bytes " + name;
                        result = guest.call(Sysno.SYMLINKAT, guest.string("t".repeat(size / 4 + 1)), AT_FDCWD,
                                guest.string(name));
                    }
                    case 10 -> {
                        call = "mkdir " + name;
                        result = guest.call(Sysno.MKDIRAT, AT_FDCWD, guest.string(name), 0700);
                    }
                    default -> {
                        if (children.isEmpty() || random.nextBoolean()) {
                            call = "fork";
                            children.add(guest.io.forkProcess());
                        } else {
                            call = "exit of a child";
                            children.remove(random.nextInt(children.size())).close();
                        }
                        result = 0;
                    }
                }
                done.add(call + " -> " + result);
                assertThat(quota - room(quota)).as("seed %d after %s", seed, done).isEqualTo(hostHolds(files));
            }
        } finally {
            children.forEach(HostIo::close);
        }
    }

    /** An open file description of the random sequence: its file, and whether it appends. */
    private record Description(Object inode, boolean append) {}

    /**
     * The blocks of one file that the sequence wrote, and its size: what the quota charges for
     * the file is those blocks, the last one up to the file's end (holes cost nothing).
     */
    private static final class FileBlocks {
        private static final int BLOCK = 4096;
        final Set<Long> blocks = new HashSet<>();
        long size;

        void write(long at, long count) {
            for (long block = at / BLOCK; block <= (at + count - 1) / BLOCK; block++) {
                blocks.add(block);
            }
            size = Math.max(size, at + count);
        }

        /** ftruncate and O_TRUNC: growing leaves a hole up to the last byte, which the host writes. */
        void resize(long length) {
            if (length < size) {
                blocks.removeIf(block -> block * BLOCK >= length);
            } else if (length > size) {
                blocks.add((length - 1) / BLOCK);
            }
            size = length;
        }

        long cost() {
            return blocks.stream().filter(block -> block * BLOCK < size)
                    .mapToLong(block -> Math.min(BLOCK, size - block * BLOCK)).sum();
        }
    }

    private static Object inodeOf(Path path) {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
            return List.of(a.get("dev"), a.get("ino"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the host holds for the run's /tmp, each inode once (the probe of {@link #room} is gone):
     * the blocks the sequence wrote of the files it wrote, the size of the others.
     */
    private long hostHolds(Map<Object, FileBlocks> files) {
        Map<Object, Long> inodes = new HashMap<>();
        try {
            Path root = tmp.toRealPath();
            try (Stream<Path> named = Files.walk(root)) {
                for (Path path : (Iterable<Path>) named.skip(1)::iterator) {
                    Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,size,mode", LinkOption.NOFOLLOW_LINKS);
                    int type = (Integer) a.get("mode") & 0170000;
                    Object inode = List.of(a.get("dev"), a.get("ino"));
                    inodes.put(inode, switch (type) {
                        case 0040000 -> (long) DIRECTORY_COST;
                        case 0100000 -> costOf(files, inode, (Long) a.get("size"));
                        default -> (Long) a.get("size");
                    });
                }
            }
            try (DirectoryStream<Path> open = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : open) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith(root + "/")) {
                            Map<String, Object> a = Files.readAttributes(fd, "unix:dev,ino,size");
                            Object inode = List.of(a.get("dev"), a.get("ino"));
                            inodes.put(inode, costOf(files, inode, (Long) a.get("size")));
                        }
                    } catch (NoSuchFileException closedMeanwhile) {
                        // not open any more
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes.values().stream().mapToLong(Long::longValue).sum();
    }

    private static long costOf(Map<Object, FileBlocks> files, Object inode, long size) {
        FileBlocks written = files.get(inode);
        return written != null ? written.cost() : size;
    }
}
