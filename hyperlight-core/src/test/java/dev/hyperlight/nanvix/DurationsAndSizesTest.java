package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsAndSizesTest {

    @Test
    void parsesTheDurationsTheCliTakes() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Durations.parse("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("2H")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void refusesBadDurationsWithASentence() {
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("1.5s")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s")).hasMessageContaining("too long");
        assertThatThrownBy(() -> Durations.parse("9999999999999999h")).hasMessageContaining("too long");
    }

    /** Found by PolicyFuzzTest: a duration Duration holds but the host's nanosecond clocks cannot. */
    @Test
    void refusesDurationsBeyondWhatTheClocksCount() {
        assertThatThrownBy(() -> Durations.parse("1077777777777777777h")).hasMessageContaining("too long");
        // Long.MAX_VALUE ns is 2562047 h 47 min 16.854775807 s.
        assertThatThrownBy(() -> Durations.parse("2562048h")).hasMessageContaining("too long");
        Duration longest = Durations.parse("2562047h");
        assertThat(Durations.parse(Durations.format(longest))).isEqualTo(longest);
    }

    @Test
    void formatsDurationsInTheirLargestWholeUnit() {
        assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(Durations.format(Duration.ofSeconds(2))).isEqualTo("2s");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(1))).isEqualTo("1m");
        assertThat(Durations.format(Duration.ofHours(3))).isEqualTo("3h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void parsesAndFormatsSizes() {
        assertThat(Sizes.parse("256M")).isEqualTo(256L << 20);
        assertThat(Sizes.parse("1G")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("64k")).isEqualTo(64L << 10);
        assertThat(Sizes.parse("1MiB")).isEqualTo(1L << 20);
        assertThat(Sizes.parse("4096")).isEqualTo(4096);
        assertThat(Sizes.format(256L << 20)).isEqualTo("256M");
        assertThat(Sizes.format(3L << 30)).isEqualTo("3G");
        assertThat(Sizes.format(1000)).isEqualTo("1000");
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("'lots' is not a size");
        assertThatThrownBy(() -> Sizes.parse("99999999999G")).hasMessageContaining("too large");
    }

    @Test
    void memorySizeIsBoundedAndRoundedToTwoMebibytes() throws SandboxException {
        assertThat(RuntimeConfig.builder().memorySize((16L << 20) + 1).build().memorySize()).isEqualTo(18L << 20);
        assertThatThrownBy(() -> RuntimeConfig.builder().memorySize(1L << 20))
                .hasMessageContaining("below the minimum of 16M");
        assertThatThrownBy(() -> RuntimeConfig.builder().memorySize(1L << 40))
                .hasMessageContaining("above the maximum");
    }

    @Test
    void environmentNamesAndValuesAreChecked() {
        assertThatThrownBy(() -> RuntimeConfig.builder().env("A=B", "x")).hasMessageContaining("not an environment");
        assertThatThrownBy(() -> RuntimeConfig.builder().env("", "x")).hasMessageContaining("not an environment");
        assertThatThrownBy(() -> RuntimeConfig.builder().env("A", "x\0y")).hasMessageContaining("NUL");
        assertThat(RuntimeConfig.defaults().environment()).containsOnlyKeys("PATH", "HOME", "LANG");
    }
}
