package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The layout of one shared-memory ring between this (the system) process and a VMM process
 * (vmm/src/main.rs has the same constants), and the encoding and validation of its requests and
 * responses. A ring carries one call at a time: the caller writes the request and sets {@link
 * #STATE} to {@link #STATE_REQUEST}, the VMM answers and sets {@link #STATE_RESPONSE}; both wake
 * the other with a futex on that word.
 *
 * <p>Everything the VMM writes is untrusted: a response is read once into a {@link Response}, its
 * values checked, and a {@code kvm_run} copy is taken out of shared memory before it is decoded,
 * so a VMM process that changes the ring meanwhile cannot make a checked value differ from the
 * used one.
 */
final class VmmRing {

    static final long STATE = 0;
    static final long OP = 4;
    static final long FD = 8;
    static final long REQUEST = 16;
    static final long VALUE = 24;
    static final long ARG_LEN = 32;
    static final long RESULT = 40;
    static final long OUT1 = 48;
    static final long OUT2 = 56;
    /** The system process's {@code kvm_run.immediate_exit}: the VMM copies it in before each KVM_RUN. */
    static final long IMMEDIATE_EXIT = 64;
    static final long ARG_OFFSET = 4096;
    static final long ARG_CAPACITY = 192 << 10;
    static final long RUN_OFFSET = ARG_OFFSET + ARG_CAPACITY;
    static final long RUN_CAPACITY = 16 << 10;
    static final long SIZE = RUN_OFFSET + RUN_CAPACITY;

    static final int STATE_IDLE = 0;
    static final int STATE_REQUEST = 1;
    static final int STATE_RESPONSE = 2;

    /** What a ring can ask; the vCPU rings take IOCTL, RUN and CLOSE only. */
    enum Op {
        IOCTL(1), CREATE_RAM(2), OPEN_VCPU(3), RUN(4), CLOSE(5);

        final int code;

        Op(int code) {
            this.code = code;
        }
    }

    /** The largest errno Linux returns: a result below its negation is not an errno. */
    static final long MAX_ERRNO = 4095;

    /**
     * One call. {@code argument} is copied into the ring before and back after (an ioctl's
     * structure, whatever its direction: the VMM's kernel decides what it reads and writes),
     * {@link MemorySegment#NULL} for none; {@code value} is the integer argument then.
     */
    record Request(Op op, long fd, long request, long value, MemorySegment argument) {

        Request {
            if (argument.byteSize() > ARG_CAPACITY) {
                throw new IllegalArgumentException("an ioctl argument of " + argument.byteSize()
                        + " bytes does not fit the ring (" + ARG_CAPACITY + ")");
            }
        }

        static Request of(Op op, long fd, long value) {
            return new Request(op, fd, 0, value, MemorySegment.NULL);
        }
    }

    /** A response as read from the ring, once. */
    record Response(long result, long out1, long out2) {

        /** The result, checked to be a count or a handle ({@code >= 0}, an int) or {@code -errno}. */
        long checkedResult() throws HypervisorException {
            if (result < -MAX_ERRNO || result > Integer.MAX_VALUE) {
                throw malformed("result " + result);
            }
            return result;
        }

        /** {@code out1} as a file descriptor number in the VMM process. */
        int remoteFd() throws HypervisorException {
            if (out1 < 0 || out1 > Integer.MAX_VALUE) {
                throw malformed("file descriptor " + out1);
            }
            return (int) out1;
        }

        /** {@code out2} as a thread id in the VMM process. */
        int threadId() throws HypervisorException {
            if (out2 <= 0 || out2 > Integer.MAX_VALUE) {
                throw malformed("thread id " + out2);
            }
            return (int) out2;
        }
    }

    static HypervisorException malformed(String what) {
        return new HypervisorException(HypervisorException.Kind.FAILED,
                "the VMM process sent a malformed response (" + what + ")");
    }

    private VmmRing() {}

    /** Writes {@code request} into {@code ring}, all but the state word. */
    static void write(MemorySegment ring, Request request) {
        ring.set(ValueLayout.JAVA_INT, OP, request.op().code);
        ring.set(ValueLayout.JAVA_LONG, FD, request.fd());
        ring.set(ValueLayout.JAVA_LONG, REQUEST, request.request());
        ring.set(ValueLayout.JAVA_LONG, VALUE, request.value());
        ring.set(ValueLayout.JAVA_LONG, ARG_LEN, request.argument().byteSize());
        if (request.argument().byteSize() > 0) {
            MemorySegment.copy(request.argument(), 0, ring, ARG_OFFSET, request.argument().byteSize());
        }
    }

    /** Reads the response, and copies the argument back (its size is the caller's, never the ring's). */
    static Response read(MemorySegment ring, Request request) {
        Response response = new Response(ring.get(ValueLayout.JAVA_LONG, RESULT), ring.get(ValueLayout.JAVA_LONG, OUT1),
                ring.get(ValueLayout.JAVA_LONG, OUT2));
        if (request.argument().byteSize() > 0) {
            MemorySegment.copy(ring, ARG_OFFSET, request.argument(), 0, request.argument().byteSize());
        }
        return response;
    }

    /** Copies the VMM's {@code kvm_run} out of the ring into {@code run} (its size: {@code KVM_GET_VCPU_MMAP_SIZE}). */
    static void copyRun(MemorySegment ring, MemorySegment run) {
        if (run.byteSize() > RUN_CAPACITY) {
            throw new IllegalArgumentException("kvm_run of " + run.byteSize() + " bytes does not fit the ring");
        }
        MemorySegment.copy(ring, RUN_OFFSET, run, 0, run.byteSize());
    }
}
