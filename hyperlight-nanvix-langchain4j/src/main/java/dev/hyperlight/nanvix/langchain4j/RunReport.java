package dev.hyperlight.nanvix.langchain4j;

import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A run's outcome as plain text a model can read: the exit status and how the run ended, then
 * standard output and standard error, each under its own heading, with a note when a limit cut
 * something short.
 */
public final class RunReport {

    private RunReport() {}

    /** The text for a run that happened, however it ended. */
    public static String of(RunResult result) {
        StringBuilder text = new StringBuilder();
        text.append("exit status: ").append(result.exitCode());
        if (!(result.termination() instanceof Termination.Exited)) {
            text.append(" (").append(ending(result.termination())).append(')');
        }
        text.append('\n');
        if (result.outputTruncated()) {
            text.append("note: the output was longer than the limit and was cut\n");
        }
        if (!result.limitsReached().isEmpty()) {
            text.append("limits reached: ")
                    .append(result.limitsReached().stream()
                            .map(RunReport::limitName)
                            .sorted()
                            .collect(Collectors.joining(", ")))
                    .append('\n');
        }
        text.append("stdout:\n").append(withFinalNewline(result.stdoutText()));
        text.append("stderr:\n").append(withFinalNewline(result.stderrText()));
        return text.toString();
    }

    /** The text for a run the sandbox could not start or finish (no /dev/kvm, a bad configuration...). */
    public static String of(SandboxException failure) {
        return "the sandbox could not run the code (" + failure.reason().name().toLowerCase(Locale.ROOT)
                + "): " + failure.getMessage() + "\n";
    }

    private static String ending(Termination termination) {
        return switch (termination) {
            case Termination.Exited exited -> "the program " + exited.describe();
            case Termination.TimedOut timedOut -> "the program " + timedOut.describe() + " and was stopped";
            case Termination.CpuTimeExceeded cpu -> "the program " + cpu.describe() + " and was stopped";
            case Termination.Faulted fault -> "the program was " + fault.describe();
            case Termination.AuditFailed audit -> "the program " + audit.describe();
            case Termination.VmFailed failure -> "the sandbox's " + failure.describe();
        };
    }

    private static String limitName(ResourceLimit limit) {
        return limit.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String withFinalNewline(String stream) {
        return stream.isEmpty() || stream.endsWith("\n") ? stream : stream + "\n";
    }
}
