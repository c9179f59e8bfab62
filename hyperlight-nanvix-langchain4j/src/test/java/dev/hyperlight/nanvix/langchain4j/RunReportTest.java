package dev.hyperlight.nanvix.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("no-vm")
class RunReportTest {

    private static RunResult result(Termination termination, String stdout, String stderr, boolean truncated,
            Set<ResourceLimit> limits) {
        return new RunResult(termination, stdout.getBytes(StandardCharsets.UTF_8),
                stderr.getBytes(StandardCharsets.UTF_8), truncated, Duration.ofMillis(5), Map.of(), limits, Map.of());
    }

    @Test
    void aCleanExitGivesTheStatusAndBothStreamsUnderTheirHeadings() {
        String text = RunReport.of(result(new Termination.Exited(0), "42\n", "", false, Set.of()));

        assertThat(text).isEqualTo("""
                exit status: 0
                stdout:
                42
                stderr:
                """);
    }

    @Test
    void aFailingExitKeepsStandardErrorAndEndsEachStreamWithANewline() {
        String text = RunReport.of(result(new Termination.Exited(1), "partial", "Traceback: boom", false, Set.of()));

        assertThat(text).isEqualTo("""
                exit status: 1
                stdout:
                partial
                stderr:
                Traceback: boom
                """);
    }

    @Test
    void aTimeoutSaysTheProgramWasStoppedAndWhen() {
        String text = RunReport.of(result(new Termination.TimedOut(Duration.ofSeconds(10)), "", "", false, Set.of()));

        assertThat(text).startsWith("exit status: 124 (the program timed out after 10s and was stopped)\n");
    }

    @Test
    void aFaultNamesTheSignalAndLimitsAndTruncationAreNoted() {
        String text = RunReport.of(result(new Termination.Faulted(9, "out of memory", 0x401000), "x".repeat(3), "",
                true, Set.of(ResourceLimit.MEMORY, ResourceLimit.OUTPUT)));

        assertThat(text).startsWith("exit status: 137 (the program was killed by SIGKILL")
                .contains("\nnote: the output was longer than the limit and was cut\n")
                .contains("\nlimits reached: memory, output\n")
                .endsWith("stdout:\nxxx\nstderr:\n");
    }

    @Test
    void theSandboxsOwnFailureIsNotBlamedOnTheProgram() {
        assertThat(RunReport.of(result(new Termination.VmFailed("triple fault"), "", "", false, Set.of())))
                .startsWith("exit status: 125 (the sandbox's virtual machine failed: triple fault)\n");
        assertThat(RunReport.of(new SandboxException(SandboxException.Reason.HYPERVISOR_MISSING, "no /dev/kvm")))
                .isEqualTo("the sandbox could not run the code (hypervisor_missing): no /dev/kvm\n");
    }
}
