package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;

/**
 * Coverage-guided fuzzing of policy files and of the sizes and durations they (and the CLI) take.
 *
 * <p>The contract, for any text: {@link Policy#parse} returns a policy or throws {@link
 * IllegalArgumentException} with a message, nothing else; a policy that parses applies to a
 * configuration without mounts (the only failure {@link Policy#applyTo} documents is a mount
 * outside the allowed directories); a size or duration that parses prints as text that parses back
 * to the same value.
 */
class PolicyFuzzTest {

    @FuzzTest
    void policyFilesParseOrSayWhatIsWrong(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        Policy policy;
        try {
            policy = Policy.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(Policy.parse(text)).isEqualTo(policy);
        RuntimeConfig config = policy.applyTo(RuntimeConfig.defaults());
        assertThat(config.limits().maxOpenFiles()).isEqualTo(policy.maxOpenFiles()
                .orElse(RuntimeConfig.defaults().limits().maxOpenFiles()));
    }

    @FuzzTest
    void sizesAndDurationsPrintAsTheyParse(FuzzedDataProvider data) {
        boolean size = data.consumeBoolean();
        String text = data.consumeRemainingAsString();
        if (size) {
            long bytes;
            try {
                bytes = Sizes.parse(text);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(bytes).isNotNegative();
            assertThat(Sizes.parse(Sizes.format(bytes))).isEqualTo(bytes);
        } else {
            Duration duration;
            try {
                duration = Durations.parse(text);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
                return;
            }
            assertThat(duration.isNegative()).isFalse();
            assertThat(Durations.parse(Durations.format(duration))).isEqualTo(duration);
        }
    }
}
