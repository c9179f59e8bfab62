package dev.hyperlight.nanvix.hostmem;

import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hostmem.sys.sigaction;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The real-time signal that kicks a vCPU thread out of {@code KVM_RUN} or {@code MSHV_RUN_VP}, and
 * its process-wide handler, installed once for both backends, whichever opens first.
 *
 * <p>A caught signal makes {@code KVM_RUN} and {@code MSHV_RUN_VP} return {@code EINTR} as soon as
 * it is pending; an ignored one would not, and the default action of a real-time signal kills the
 * process. So a handler must exist, and it must do nothing. It is glibc's {@code getpid}: a real
 * function of the C library that is async-signal-safe, cannot fail (leaves {@code errno} alone) and
 * ignores the signal number it is passed. That avoids both an upcall into Java on a thread in the
 * middle of a native call (not allowed from a signal handler) and a writable-then-executable page
 * holding a {@code ret}, which a hardened host may refuse. The handler is installed without {@code
 * SA_RESTART} so that the kick is never hidden by the kernel restarting an interrupted call.
 *
 * <p>Signals {@code SIGRTMIN} and {@code SIGRTMIN+1} are reserved by glibc's threads (the
 * numbers below it too); HotSpot uses none of the real-time signals. The offset is still checked
 * at install time: if someone else's handler sits on the signal, opening the backend fails rather
 * than stealing it.
 */
public final class KickSignal {

    private static final int SIGRTMIN_OFFSET = 6;

    /** The installed signal number, 0 until the first {@link #install()}: the one piece of static state. */
    private static int installed;

    private KickSignal() {}

    /** Installs the handler if this process has not yet; returns the signal number. */
    public static synchronized int install() throws HypervisorException {
        if (installed == 0) {
            installed = installHandler(libc_h.__libc_current_sigrtmin() + SIGRTMIN_OFFSET);
        }
        return installed;
    }

    /** The signal number; {@link #install()} must have succeeded before. */
    public static synchronized int number() {
        if (installed == 0) {
            throw new IllegalStateException("the vCPU kick signal is not installed");
        }
        return installed;
    }

    private static int installHandler(int signal) throws HypervisorException {
        MemorySegment handler = libc_h.getpid$address();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment callState = arena.allocate(libc_h.CALL_STATE_LAYOUT);
            MemorySegment previous = arena.allocate(sigaction.layout());
            if (libc_h.sigaction(callState, signal, MemorySegment.NULL, previous) != 0) {
                throw NativeFailure.of("sigaction (query) of signal " + signal, libc_h.errno(callState));
            }
            long previousHandler = sigaction.sa_handler(previous).address();
            if (previousHandler != libc_h.SIG_DFL && previousHandler != handler.address()) {
                throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, "Signal " + signal
                        + " (SIGRTMIN+" + SIGRTMIN_OFFSET + "), which the backends use to stop vCPUs, already has"
                        + " another handler in this process.");
            }
            MemorySegment action = arena.allocate(sigaction.layout());
            sigaction.sa_handler(action, handler);
            if (libc_h.sigemptyset(callState, sigaction.sa_mask(action)) != 0) {
                throw NativeFailure.of("sigemptyset", libc_h.errno(callState));
            }
            sigaction.sa_flags(action, 0); // no SA_RESTART, no SA_SIGINFO
            if (libc_h.sigaction(callState, signal, action, MemorySegment.NULL) != 0) {
                throw NativeFailure.of("sigaction of signal " + signal, libc_h.errno(callState));
            }
            return signal;
        }
    }
}
