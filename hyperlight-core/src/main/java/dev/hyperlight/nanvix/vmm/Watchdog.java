package dev.hyperlight.nanvix.vmm;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Stops a run at its wall-clock or CPU-time limit. The CPU time is that of every vCPU thread of
 * the run (one per process), which includes the time the guest ran inside KVM_RUN (Linux
 * accounts guest time to the thread that entered it), so a guest that spins is charged for it
 * whatever it does with its interrupt flag.
 */
final class Watchdog {

    /** How often the CPU time is read when there is a CPU limit: the limit's precision. */
    private static final Duration POLL = Duration.ofMillis(10);

    private Watchdog() {}

    /**
     * A virtual thread that calls {@code stop} with the reason when a limit is passed, unless
     * interrupted first; null when there is no limit.
     */
    static Thread start(Duration timeout, Duration cpuTime, LongSupplier cpuNanos, Consumer<GuestEnd> stop) {
        if (timeout.isZero() && cpuTime.isZero()) {
            return null;
        }
        long deadline = timeout.isZero() ? Long.MAX_VALUE : saturatedSum(System.nanoTime(), timeout);
        // What the threads used before the guest started (loading, building the image) is not the guest's.
        long cpuBefore = cpuTime.isZero() ? 0 : cpuNanos.getAsLong();
        return Thread.ofVirtual().name("hyperlight-watchdog").start(() -> {
            try {
                if (cpuTime.isZero()) {
                    Thread.sleep(timeout);
                    stop.accept(new GuestEnd.TimedOut(timeout));
                    return;
                }
                long cpuLimit = saturatedSum(cpuBefore, cpuTime);
                while (true) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        stop.accept(new GuestEnd.TimedOut(timeout));
                        return;
                    }
                    if (cpuNanos.getAsLong() > cpuLimit) {
                        stop.accept(new GuestEnd.CpuTimeExceeded(cpuTime));
                        return;
                    }
                    Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, left / 1_000_000)));
                }
            } catch (InterruptedException finished) {
                // the run ended first
            }
        });
    }

    /** {@code nanos} plus {@code duration}, or Long.MAX_VALUE (never) where that passes what a long holds. */
    static long saturatedSum(long nanos, Duration duration) {
        try {
            return Math.addExact(nanos, duration.toNanos());
        } catch (ArithmeticException beyondTheClock) {
            return Long.MAX_VALUE;
        }
    }
}
