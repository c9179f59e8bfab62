package dev.hyperlight.nanvix.vmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchdogTest {

    /** A limit past what a long of nanoseconds holds means "never", not a deadline in the past or a crash. */
    @Test
    void deadlinesBeyondTheClockSaturate() {
        assertThat(Watchdog.saturatedSum(5, Duration.ofNanos(1))).isEqualTo(6);
        assertThat(Watchdog.saturatedSum(Long.MAX_VALUE - 5, Duration.ofSeconds(1))).isEqualTo(Long.MAX_VALUE);
        assertThat(Watchdog.saturatedSum(0, Duration.ofDays(1_000_000))).isEqualTo(Long.MAX_VALUE);
        assertThat(Watchdog.saturatedSum(-10, Duration.ofNanos(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE - 10);
    }
}
