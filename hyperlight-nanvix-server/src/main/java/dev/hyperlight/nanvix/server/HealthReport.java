package dev.hyperlight.nanvix.server;

import dev.hyperlight.nanvix.HealthCheck;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The doctor checks ({@link dev.hyperlight.nanvix.HostPlatform#healthChecks()}) for {@code GET
 * /health}, made again at most every {@link #FRESH}: a check creates a VM, and a probe may ask
 * every second.
 */
final class HealthReport {

    static final Duration FRESH = Duration.ofSeconds(10);

    private final Supplier<List<HealthCheck>> checks;
    private List<HealthCheck> last;
    private long madeAt;

    HealthReport(Supplier<List<HealthCheck>> checks) {
        this.checks = checks;
    }

    synchronized List<HealthCheck> checks() {
        long now = System.nanoTime();
        if (last == null || now - madeAt >= FRESH.toNanos()) {
            last = List.copyOf(checks.get());
            madeAt = now;
        }
        return last;
    }

    /** FAIL if any check failed, else WARN if any warned, else OK. */
    static HealthCheck.Status overall(List<HealthCheck> checks) {
        return checks.stream().map(HealthCheck::status).max(Enum::compareTo).orElse(HealthCheck.Status.OK);
    }
}
