package dev.hyperlight.nanvix.hypervisor;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.hyperlight.nanvix.hypervisor.SnapshotRefusedException.Reason;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The on-disk form of a {@link VmSnapshot}. A file is untrusted input: {@link #open} checks every
 * length against bounds and the file's size before it reads or allocates by it, and a digest
 * before it trusts the header; {@link Reader#readInto} checks the digest of the whole file.
 *
 * <p>Layout, big-endian:
 *
 * <pre>
 * preamble    "HLNXSNAP", u32 format version ({@value #FORMAT_VERSION}), u32 header length H
 * header      H bytes: hypervisor name, flavour, RAM size, TSC kHz, taken-at (s, ns), tags,
 *             CPU-state length C, stored page count P (strings as {@link DataOutputStream#writeUTF})
 * digest      SHA-256 of preamble and header
 * CPU state   C bytes, the backend's encoding
 * page map    one bit per 4 KiB page of RAM, least significant bit first: 1 = stored below
 * pages       P pages of 4 KiB, in address order; pages not stored are zero
 * digest      SHA-256 of everything before it
 * </pre>
 *
 * The digests detect damage, not forgery: anyone who can write the file can write valid digests.
 * What a forged file can do is what the guest itself could (its RAM and vCPU state are the
 * guest's), so the host only needs the parsing here to be robust (docs/security.md).
 */
public final class SnapshotFile {

    public static final int FORMAT_VERSION = 1;
    public static final long PAGE_SIZE = 4096;
    /** 1 TiB: bounds the RAM size a header may announce, hence the page map's length. */
    public static final long MAX_MEMORY_SIZE = 1L << 40;
    static final int MAX_TAGS = 64;
    static final int MAX_NAME_LENGTH = 128;
    static final int MAX_VALUE_LENGTH = 1024;
    static final int MAX_CPU_STATE = 1 << 20;
    /** Far above what {@link #MAX_TAGS} tags of the longest names and values take. */
    static final int MAX_HEADER_LENGTH = 1 << 18;

    private static final byte[] MAGIC = "HLNXSNAP".getBytes(US_ASCII);
    private static final int PREAMBLE_LENGTH = MAGIC.length + 4 + 4;
    private static final int DIGEST_LENGTH = 32;
    /** Pages read at once into the target. */
    private static final long CHUNK = 16L << 20;

    private SnapshotFile() {}

    /**
     * Writes a snapshot to {@code file} through a temporary file in the same directory, moved
     * over {@code file} at the end. Only pages {@code pageMayHoldData} accepts (by page index) and
     * that are not all zero are stored: a backend passes what it knows is never-touched RAM.
     */
    public static void write(Path file, SnapshotInfo info, byte[] cpuState, MemorySegment ram,
            LongPredicate pageMayHoldData) throws IOException {
        if (ram.byteSize() != info.memorySize()) {
            throw new IllegalArgumentException("RAM is " + ram.byteSize() + " bytes, the snapshot's size is "
                    + info.memorySize());
        }
        if (cpuState.length > MAX_CPU_STATE) {
            throw new IllegalArgumentException("CPU state of " + cpuState.length + " bytes, at most " + MAX_CPU_STATE);
        }
        long pages = info.memorySize() / PAGE_SIZE;
        byte[] pageMap = new byte[pageMapLength(pages)];
        long stored = 0;
        for (long page = 0; page < pages; page++) {
            if (pageMayHoldData.test(page) && !isZero(ram, page)) {
                pageMap[(int) (page >>> 3)] |= (byte) (1 << (page & 7));
                stored++;
            }
        }
        byte[] preambleAndHeader = preambleAndHeader(info, cpuState.length, stored);

        Path directory = file.toAbsolutePath().getParent();
        Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".partial");
        try {
            MessageDigest whole = sha256();
            try (DigestOutputStream digesting = new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(temporary), 1 << 16), whole)) {
                digesting.write(preambleAndHeader);
                digesting.write(sha256().digest(preambleAndHeader));
                digesting.write(cpuState);
                digesting.write(pageMap);
                byte[] buffer = new byte[(int) PAGE_SIZE];
                for (long page = 0; page < pages; page++) {
                    if ((pageMap[(int) (page >>> 3)] & 1 << (page & 7)) != 0) {
                        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, page * PAGE_SIZE, buffer, 0, buffer.length);
                        digesting.write(buffer);
                    }
                }
                digesting.on(false);
                digesting.write(whole.digest());
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    private static boolean isZero(MemorySegment ram, long page) {
        long offset = page * PAGE_SIZE;
        for (long at = offset; at < offset + PAGE_SIZE; at += Long.BYTES) {
            if (ram.get(ValueLayout.JAVA_LONG_UNALIGNED, at) != 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] preambleAndHeader(SnapshotInfo info, int cpuStateLength, long storedPages) {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(header)) {
            out.writeUTF(info.hypervisor());
            out.writeUTF(info.flavour().name());
            out.writeLong(info.memorySize());
            out.writeLong(info.tscKhz());
            out.writeLong(info.takenAt().getEpochSecond());
            out.writeInt(info.takenAt().getNano());
            out.writeInt(info.tags().size());
            for (Map.Entry<String, String> tag : info.tags().entrySet()) {
                out.writeUTF(tag.getKey());
                out.writeUTF(tag.getValue());
            }
            out.writeInt(cpuStateLength);
            out.writeLong(storedPages);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(all)) {
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(header.size());
            header.writeTo(out);
        } catch (IOException e) {
            throw new AssertionError("a byte array stream does not fail", e);
        }
        return all.toByteArray();
    }

    /**
     * Opens a snapshot file and checks its preamble, its header (bounds, digest) and that its size
     * is the one the header announces. Nothing else is read yet.
     */
    public static Reader open(Path file) throws SnapshotRefusedException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SnapshotRefusedException(Reason.UNREADABLE,
                    "The snapshot " + file + " cannot be read: " + e + ".", e);
        }
        try {
            return new Reader(file, channel);
        } catch (SnapshotRefusedException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** An opened snapshot file whose header has been checked. Reads once, from one thread. */
    public static final class Reader implements AutoCloseable {

        private final Path file;
        private final FileChannel channel;
        private final byte[] checkedStart;
        private final SnapshotInfo info;
        private final int cpuStateLength;
        private final long storedPages;

        private Reader(Path file, FileChannel channel) throws SnapshotRefusedException {
            this.file = file;
            this.channel = channel;
            long size = size();
            byte[] preamble = new byte[(int) Math.min(size, PREAMBLE_LENGTH)];
            readFully(preamble, 0);
            if (preamble.length < MAGIC.length || !Arrays.equals(preamble, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw refused(Reason.NOT_A_SNAPSHOT, "is not a snapshot file (it lacks the snapshot magic)");
            }
            if (preamble.length < PREAMBLE_LENGTH) {
                throw refused(Reason.TRUNCATED, "ends within its preamble: it was cut short");
            }
            ByteBuffer fields = ByteBuffer.wrap(preamble, MAGIC.length, 8);
            int version = fields.getInt();
            int headerLength = fields.getInt();
            if (version != FORMAT_VERSION) {
                throw refused(Reason.UNSUPPORTED_VERSION, "has format version " + Integer.toUnsignedString(version)
                        + ", this build reads version " + FORMAT_VERSION);
            }
            if (headerLength < 0 || headerLength > MAX_HEADER_LENGTH) {
                throw refused(Reason.DAMAGED, "announces a header of " + Integer.toUnsignedString(headerLength)
                        + " bytes, more than the " + MAX_HEADER_LENGTH + " allowed");
            }
            if (size < PREAMBLE_LENGTH + headerLength + DIGEST_LENGTH) {
                throw refused(Reason.TRUNCATED, "ends within its header: it was cut short");
            }
            checkedStart = new byte[PREAMBLE_LENGTH + headerLength + DIGEST_LENGTH];
            readFully(checkedStart, 0);
            int digestAt = PREAMBLE_LENGTH + headerLength;
            byte[] digest = sha256().digest(Arrays.copyOf(checkedStart, digestAt));
            if (!Arrays.equals(digest, 0, DIGEST_LENGTH, checkedStart, digestAt, digestAt + DIGEST_LENGTH)) {
                throw refused(Reason.DAMAGED, "has a header whose digest does not match: it was changed or damaged");
            }
            DataInputStream header = new DataInputStream(
                    new ByteArrayInputStream(checkedStart, PREAMBLE_LENGTH, headerLength));
            try {
                String hypervisor = header.readUTF();
                Flavour flavour = Flavour.valueOf(header.readUTF());
                long memorySize = header.readLong();
                long tscKhz = header.readLong();
                Instant takenAt = Instant.ofEpochSecond(header.readLong(), header.readInt());
                int tagCount = header.readInt();
                if (tagCount < 0 || tagCount > MAX_TAGS) {
                    throw new IllegalArgumentException(tagCount + " tags");
                }
                Map<String, String> tags = new TreeMap<>();
                for (int i = 0; i < tagCount; i++) {
                    if (tags.put(header.readUTF(), header.readUTF()) != null) {
                        throw new IllegalArgumentException("a tag twice");
                    }
                }
                cpuStateLength = header.readInt();
                storedPages = header.readLong();
                if (header.available() != 0) {
                    throw new IllegalArgumentException(header.available() + " bytes after the header's fields");
                }
                info = new SnapshotInfo(hypervisor, flavour, memorySize, tscKhz, takenAt, tags);
            } catch (IOException | IllegalArgumentException | DateTimeException | ArithmeticException e) {
                throw refused(Reason.DAMAGED, "has an invalid header (" + e.getMessage() + ")");
            }
            long pages = info.memorySize() / PAGE_SIZE;
            if (cpuStateLength < 0 || cpuStateLength > MAX_CPU_STATE) {
                throw refused(Reason.DAMAGED, "announces a CPU state of " + cpuStateLength + " bytes, out of bounds");
            }
            if (storedPages < 0 || storedPages > pages) {
                throw refused(Reason.DAMAGED, "announces " + storedPages + " stored pages of " + pages);
            }
            // Bounded above: no sum here can overflow a long (RAM <= 1 TiB).
            long expected = checkedStart.length + cpuStateLength + pageMapLength(pages) + storedPages * PAGE_SIZE
                    + DIGEST_LENGTH;
            if (size < expected) {
                throw refused(Reason.TRUNCATED, "is " + size + " bytes, its header announces " + expected
                        + ": it was cut short");
            }
            if (size > expected) {
                throw refused(Reason.DAMAGED, "is " + size + " bytes, its header announces " + expected
                        + ": something was appended");
            }
        }

        /** The header, checked against its digest (not yet against the rest of the file). */
        public SnapshotInfo info() {
            return info;
        }

        /**
         * Refuses the snapshot unless {@code hypervisor} on {@code flavour} took it and it carries
         * each of {@code requiredTags} with the same value.
         */
        public void require(String hypervisor, Flavour flavour, Map<String, String> requiredTags)
                throws SnapshotRefusedException {
            if (!info.hypervisor().equals(hypervisor) || info.flavour() != flavour) {
                throw refused(Reason.OTHER_HYPERVISOR, "was taken by " + info.hypervisor() + " on "
                        + info.flavour().description() + ", this is " + hypervisor + " on " + flavour.description());
            }
            for (Map.Entry<String, String> required : requiredTags.entrySet()) {
                String value = info.tags().get(required.getKey());
                if (value == null) {
                    throw refused(Reason.MISMATCHED_TAG, "carries no '" + required.getKey() + "' tag");
                }
                if (!value.equals(required.getValue())) {
                    throw refused(Reason.MISMATCHED_TAG, "was taken with " + required.getKey() + " " + value
                            + ", this run needs " + required.getValue());
                }
            }
        }

        /**
         * Reads the stored pages into {@code ram} (zero on entry, {@link SnapshotInfo#memorySize()}
         * bytes) and returns the CPU state, after the digest of the whole file, computed over what
         * {@code ram} now holds, matched. On a refusal {@code ram} holds garbage: discard it.
         */
        public byte[] readInto(MemorySegment ram) throws SnapshotRefusedException {
            if (ram.byteSize() != info.memorySize()) {
                throw new IllegalArgumentException("RAM is " + ram.byteSize() + " bytes, the snapshot's size is "
                        + info.memorySize());
            }
            MessageDigest whole = sha256();
            whole.update(checkedStart);
            long position = checkedStart.length;
            byte[] cpuState = new byte[cpuStateLength];
            readFully(cpuState, position);
            whole.update(cpuState);
            position += cpuStateLength;

            long pages = info.memorySize() / PAGE_SIZE;
            byte[] pageMap = new byte[pageMapLength(pages)];
            readFully(pageMap, position);
            whole.update(pageMap);
            position += pageMap.length;
            checkPageMap(pageMap, pages);

            long run = -1; // first page of the current run of stored pages
            for (long page = 0; page <= pages; page++) {
                boolean isStored = page < pages && (pageMap[(int) (page >>> 3)] & 1 << (page & 7)) != 0;
                if (isStored && run < 0) {
                    run = page;
                } else if (!isStored && run >= 0) {
                    for (long offset = run * PAGE_SIZE; offset < page * PAGE_SIZE; offset += CHUNK) {
                        long length = Math.min(CHUNK, page * PAGE_SIZE - offset);
                        ByteBuffer target = ram.asSlice(offset, length).asByteBuffer();
                        readFully(target, position);
                        whole.update(ram.asSlice(offset, length).asByteBuffer());
                        position += length;
                    }
                    run = -1;
                }
            }
            byte[] digest = new byte[DIGEST_LENGTH];
            readFully(digest, position);
            if (!MessageDigest.isEqual(digest, whole.digest())) {
                throw refused(Reason.DAMAGED, "has content whose digest does not match: it was changed or damaged");
            }
            return cpuState;
        }

        private void checkPageMap(byte[] pageMap, long pages) throws SnapshotRefusedException {
            long marked = 0;
            for (byte bits : pageMap) {
                marked += Integer.bitCount(Byte.toUnsignedInt(bits));
            }
            int spareBits = (int) (pageMap.length * 8L - pages);
            boolean spareBitsClear = spareBits == 0
                    || (Byte.toUnsignedInt(pageMap[pageMap.length - 1]) >>> (8 - spareBits)) == 0;
            if (marked != storedPages || !spareBitsClear) {
                throw refused(Reason.DAMAGED, "has a page map that disagrees with its header");
            }
        }

        private long size() throws SnapshotRefusedException {
            try {
                return channel.size();
            } catch (IOException e) {
                throw refused(Reason.UNREADABLE, "cannot be read: " + e, e);
            }
        }

        private void readFully(byte[] bytes, long position) throws SnapshotRefusedException {
            readFully(ByteBuffer.wrap(bytes), position);
        }

        private void readFully(ByteBuffer buffer, long position) throws SnapshotRefusedException {
            try {
                long at = position;
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, at);
                    if (read < 0) {
                        throw new EOFException();
                    }
                    at += read;
                }
            } catch (EOFException e) {
                throw refused(Reason.TRUNCATED, "became shorter while it was read", e);
            } catch (IOException e) {
                throw refused(Reason.UNREADABLE, "cannot be read: " + e, e);
            }
        }

        private SnapshotRefusedException refused(Reason reason, String what) {
            return new SnapshotRefusedException(reason, "The snapshot " + file + " " + what + ".");
        }

        private SnapshotRefusedException refused(Reason reason, String what, Throwable cause) {
            return new SnapshotRefusedException(reason, "The snapshot " + file + " " + what + ".", cause);
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    static int pageMapLength(long pages) {
        return (int) ((pages + 7) / 8);
    }

    /** Names (hypervisor, tag keys): 1 to 128 of {@code [A-Za-z0-9._-]}. */
    static void checkName(String what, String name) {
        boolean valid = !name.isEmpty() && name.length() <= MAX_NAME_LENGTH
                && name.chars().allMatch(SnapshotFile::isNameCharacter);
        if (!valid) {
            throw new IllegalArgumentException(what + " must be 1 to " + MAX_NAME_LENGTH
                    + " letters, digits, '.', '_' or '-': " + name);
        }
    }

    private static boolean isNameCharacter(int c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-');
    }

    /** Tag values: up to 1024 printable ASCII characters (digests in hex, versions). */
    static void checkValue(String key, String value) {
        if (value.length() > MAX_VALUE_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("tag " + key + " must be up to " + MAX_VALUE_LENGTH
                    + " printable ASCII characters");
        }
    }

    /** SHA-256 of {@code bytes} in lower-case hex, e.g. for a tag naming a kernel by its digest. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform has SHA-256", e);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only: nothing was lost
        }
    }
}
