package dev.hyperlight.nanvix.langchain4j;

import dev.hyperlight.nanvix.RuntimeConfig;
import java.time.Duration;

/**
 * The configuration model-written code gets unless the caller gives its own: the sandbox's
 * defaults already deny the network and mount no host directory; this adds tighter limits on
 * time, memory and output, so that a runaway program ends soon and its output fits a prompt.
 */
public final class StrictConfig {

    /** Wall-clock limit of one run. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Guest memory of one run. */
    public static final long MEMORY = 128L << 20;

    /** Bytes kept of each of standard output and standard error. */
    public static final int OUTPUT_LIMIT = 64 << 10;

    private StrictConfig() {}

    /** A builder preset with the strict limits, to adjust or {@linkplain RuntimeConfig.Builder#build() build}. */
    public static RuntimeConfig.Builder builder() {
        return RuntimeConfig.builder().timeout(TIMEOUT).memorySize(MEMORY).outputLimit(OUTPUT_LIMIT);
    }
}
