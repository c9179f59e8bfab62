package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.SandboxException;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of the commands that serve many runs to others ({@code mcp}, {@code serve}): the
 * warm-start template cache, and the limit and policy options, which apply to every run.
 */
final class ServiceOptions implements AutoCloseable {

    /** Bytes kept of each stream of a run unless --max-output or the policy says otherwise: a reply holds it all. */
    static final int DEFAULT_OUTPUT_LIMIT = 1 << 20;

    @Option(names = "--template-cache", paramLabel = "DIR",
            description = "Save warm-start templates of the runtimes in DIR and start from them"
                    + " (default: ~/.cache/hyperlight-nanvix/templates).")
    Path templateDirectory;

    @Option(names = "--no-template-cache",
            description = "Neither save nor use templates on disk.")
    boolean noTemplateCache;

    @CommandLine.Mixin
    PolicyOptions policy = new PolicyOptions();

    /**
     * The configuration every run gets.
     *
     * @throws IllegalArgumentException for a bad or conflicting option
     * @throws SandboxException as {@link PolicyOptions#apply(RuntimeConfig)}
     */
    RuntimeConfig config() throws SandboxException {
        RuntimeConfig.Builder builder = policy.base();
        if (noTemplateCache && templateDirectory != null) {
            throw new IllegalArgumentException("--template-cache and --no-template-cache exclude each other");
        }
        if (!noTemplateCache) {
            builder.templateDirectory(templateDirectory != null ? templateDirectory
                    : RuntimeConfig.defaultTemplateDirectory());
        }
        RuntimeConfig config = policy.apply(builder.build());
        // base() leaves output uncut for the run command's streams; a reply here holds it all.
        return config.outputLimit() == Integer.MAX_VALUE
                ? config.toBuilder().outputLimit(DEFAULT_OUTPUT_LIMIT).build()
                : config;
    }

    /** Closes the audit file, if one was opened. */
    @Override
    public void close() throws IOException {
        policy.close();
    }
}
