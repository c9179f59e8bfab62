package dev.hyperlight.nanvix.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A program's {@code struct iovec} array ({@code readv}, {@code writev}, {@code preadv}, {@code
 * pwritev}) as one buffer, so that the host decides the call as the plain read or write it is: one
 * transfer, which keeps a {@code writev} to a pipe atomic as Linux does. The host reads the array
 * itself and checks every vector against the program's memory before anything moves.
 *
 * <p>The buffer is presented at the array's own address, {@link #address()}, and is {@link
 * #length()} bytes long. One vector is handed out as a view of the program's memory; several are
 * gathered into host memory, and for a read scattered back by {@link #commit}. Not thread-safe:
 * one call, one thread.
 */
public final class IoVectors implements GuestMemory {

    /** Linux's UIO_MAXIOV: more vectors is EINVAL. */
    public static final int IOV_MAX = 1024;
    /** Linux's cap on one transfer (MAX_RW_COUNT). */
    private static final long MAX_RW_COUNT = 0x7fff_f000L;
    /**
     * Most bytes gathered for one call. Vectors may overlap, so their total can exceed guest RAM
     * many times over; a longer call transfers this much, as a short read or write.
     */
    public static final long MAX_GATHERED = 64L << 20;
    private static final int IOVEC_SIZE = 16;

    /** One vector, already cut to what the call transfers. */
    private record Vector(long base, long length) {}

    private final GuestMemory memory;
    private final long address;
    private final List<Vector> vectors;
    private final long length;
    private Arena staging;
    private MemorySegment scatterFrom;

    private IoVectors(GuestMemory memory, long address, List<Vector> vectors, long length) {
        this.memory = memory;
        this.address = address;
        this.vectors = vectors;
        this.length = length;
    }

    /** What was wrong with the array, for the errno Linux gives. */
    public static final class InvalidVectorsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidVectorsException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads the {@code count} vectors at {@code array} from {@code memory} and checks that the call
     * may {@code write} (a read into the program) or read each of them.
     *
     * @throws InvalidVectorsException for more than {@link #IOV_MAX} vectors or a length negative as
     *     {@code ssize_t} (EINVAL)
     * @throws UserPageFault if the array or a vector is not accessible in the program's memory
     * @throws BadGuestAddressException if a range is outside guest RAM (EFAULT)
     */
    public static IoVectors of(GuestMemory memory, long array, long count, boolean write) {
        Objects.requireNonNull(memory, "memory");
        if (count < 0 || count > IOV_MAX) {
            throw new InvalidVectorsException(Long.toUnsignedString(count) + " vectors; at most " + IOV_MAX);
        }
        if (count == 0) {
            return new IoVectors(memory, array, List.of(), 0);
        }
        MemorySegment raw = memory.readable(array, count * IOVEC_SIZE);
        long[] bases = new long[(int) count];
        long[] lengths = new long[(int) count];
        long total = 0;
        for (int i = 0; i < count; i++) {
            bases[i] = raw.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * IOVEC_SIZE);
            lengths[i] = raw.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * IOVEC_SIZE + 8);
            if (lengths[i] < 0) {
                throw new InvalidVectorsException("a vector's length is negative as ssize_t");
            }
            // Linux cuts the total at MAX_RW_COUNT rather than failing when the sum overflows.
            total = Math.min(total + lengths[i], MAX_RW_COUNT);
        }
        long left = Math.min(total, MAX_GATHERED);
        long length = left;
        List<Vector> vectors = new ArrayList<>(Math.min((int) count, 16));
        for (int i = 0; i < count && left > 0; i++) {
            long take = Math.min(lengths[i], left);
            if (take > 0) {
                check(memory, bases[i], take, write);
                vectors.add(new Vector(bases[i], take));
                left -= take;
            }
        }
        return new IoVectors(memory, array, List.copyOf(vectors), length);
    }

    private static void check(GuestMemory memory, long base, long length, boolean write) {
        if (memory instanceof UserMemory user) {
            user.check(base, length, write);
        } else {
            memory.range(base, length);
        }
    }

    /** Where the buffer is presented: the array's address. */
    public long address() {
        return address;
    }

    /** Bytes the call transfers: the vectors' total, capped as Linux caps it and at {@link #MAX_GATHERED}. */
    public long length() {
        return length;
    }

    @Override
    public long size() {
        return length;
    }

    /** The buffer, or a prefix of it: {@code address} must be {@link #address()}. */
    @Override
    public MemorySegment range(long address, long length) {
        return readable(address, length);
    }

    @Override
    public MemorySegment readable(long address, long length) {
        checkPrefix(address, length);
        if (vectors.size() == 1) {
            return memory.readable(vectors.getFirst().base(), length);
        }
        return gather(length).asReadOnly();
    }

    @Override
    public MemorySegment writable(long address, long length) {
        checkPrefix(address, length);
        if (vectors.size() == 1) {
            return memory.writable(vectors.getFirst().base(), length);
        }
        MemorySegment gathered = gather(length);
        scatterFrom = gathered;
        return gathered;
    }

    /** Scatters a written buffer back to the vectors, then commits the program's memory. */
    @Override
    public void commit() {
        try {
            if (scatterFrom != null) {
                long offset = 0;
                for (Vector vector : vectors) {
                    long n = Math.min(vector.length(), scatterFrom.byteSize() - offset);
                    if (n <= 0) {
                        break;
                    }
                    MemorySegment.copy(scatterFrom, offset, memory.writable(vector.base(), n), 0, n);
                    offset += n;
                }
            }
        } finally {
            scatterFrom = null;
            if (staging != null) {
                staging.close();
                staging = null;
            }
            memory.commit();
        }
    }

    private void checkPrefix(long address, long length) {
        if (address != this.address || length < 0 || length > this.length) {
            throw new BadGuestAddressException("0x" + Long.toHexString(address) + "[" + length
                    + "] is not a prefix of the vectors at 0x" + Long.toHexString(this.address));
        }
    }

    private MemorySegment gather(long length) {
        if (staging == null) {
            staging = Arena.ofConfined();
        }
        MemorySegment copy = staging.allocate(Math.max(length, 1)).asSlice(0, length);
        long offset = 0;
        for (Vector vector : vectors) {
            long n = Math.min(vector.length(), length - offset);
            if (n <= 0) {
                break;
            }
            MemorySegment.copy(memory.readable(vector.base(), n), 0, copy, offset, n);
            offset += n;
        }
        return copy;
    }
}
