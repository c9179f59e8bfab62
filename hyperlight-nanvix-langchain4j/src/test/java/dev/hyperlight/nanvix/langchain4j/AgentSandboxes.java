package dev.hyperlight.nanvix.langchain4j;

import dev.hyperlight.nanvix.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The configuration the VM tests share. */
final class AgentSandboxes {

    /** CPython's first start (the template's) runs partly under PVM's instruction emulation: seconds, not ms. */
    static final Duration GENEROUS = Duration.ofMinutes(3);

    /** Templates on disk, so that each test class's sandbox clones what the first one captured. */
    static final Path TEMPLATES = Path.of("target", "agent-templates");

    private AgentSandboxes() {}

    /** The strict configuration with room for a first start, templates shared on disk. */
    static RuntimeConfig.Builder strict(Duration timeout) throws IOException {
        Files.createDirectories(TEMPLATES);
        return StrictConfig.builder().timeout(timeout).templateDirectory(TEMPLATES.toAbsolutePath());
    }
}
