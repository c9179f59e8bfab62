package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.hyperlight.nanvix.ResourceLimit;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.micrometer.SandboxMetrics;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real run seen from outside (docs/observability.md): its Flight Recorder events and its
 * Micrometer meters. The guest (hostile.c, "network") writes to stdout, which an interceptor
 * passes on, and opens sockets: AF_INET ones are blocked, the AF_UNIX one is accepted.
 */
class ObservabilityTest {

    private static final String RUN = "dev.hyperlight.nanvix.Run";
    private static final String FORWARDED_CALL = "dev.hyperlight.nanvix.ForwardedCall";
    /** Small enough that the guest's report lines go past it: the output limit is reached. */
    private static final int OUTPUT_LIMIT = 10;

    @TempDir
    Path tmp;

    @Test
    void aRunIsAnEventWithItsForwardedCallsAndItsMetersAgreeWithThem() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SyscallTable passWritesOn = SyscallTable.defaults()
                .with(Syscall.WRITE, SyscallAction.intercept((call, next) -> next.proceed(call)));
        RuntimeConfig config = Suite.config().tmpDirectory(Files.createDirectory(tmp.resolve("runs")))
                .syscallTable(passWritesOn).outputLimit(OUTPUT_LIMIT).listener(new SandboxMetrics(registry))
                // Cold: every forwarded call recorded is the run's own (a warm run's template makes calls too).
                .warmStarts(false)
                .build();
        Path file = tmp.resolve("run.jfr");
        RunResult result;
        try (Recording recording = new Recording()) {
            recording.enable(RUN);
            recording.enable(FORWARDED_CALL).withoutThreshold();
            recording.start();
            try (Sandbox sandbox = new Sandbox(config)) {
                result = sandbox.run(Guests.guest("hostile"), "network");
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> calls = events.stream().filter(e -> e.getEventType().getName().equals(FORWARDED_CALL))
                .toList();

        assertThat(result.termination()).isInstanceOf(Termination.Exited.class);
        assertThat(result.limitsReached()).containsExactly(ResourceLimit.OUTPUT);
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals(RUN)).singleElement().satisfies(run -> {
            assertThat(run.getString("runId")).isEqualTo("run-1");
            assertThat(run.getString("program")).isEqualTo(Guests.guest("hostile").toString());
            assertThat(run.getString("runtime")).isNull();
            assertThat(run.getString("start")).isEqualTo("cold");
            assertThat(run.getString("termination")).isEqualTo("exited");
            assertThat(run.getInt("exitStatus")).isEqualTo(result.exitCode());
            assertThat(run.getString("limitsReached")).isEqualTo("output");
            assertThat(run.getThread().getJavaName()).isEqualTo("hyperlight-vcpu-run-1");
        });
        assertThat(calls).allSatisfy(call ->
                assertThat(call.getThread().getJavaName()).isEqualTo("hyperlight-vcpu-run-1"));
        assertThat(calls).filteredOn(call -> call.getString("name").equals("write")).isNotEmpty()
                .allSatisfy(write -> {
                    assertThat(write.getString("decision")).isEqualTo("intercepted");
                    assertThat(write.getLong("result")).isPositive();
                });
        assertThat(calls).filteredOn(call -> call.getString("name").equals("socket"))
                .extracting(call -> call.getString("decision"), call -> call.getString("errno"))
                .containsExactly(tuple("blocked", "EACCES"),
                        tuple("blocked", "EACCES"),
                        tuple("accepted", null));

        // The listener saw what the recording saw.
        assertThat(registry.get(SandboxMetrics.RUNS).tags("termination", "exited", "runtime", "none").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get(SandboxMetrics.RUN_DURATION).timer().count()).isEqualTo(1);
        assertThat(registry.get(SandboxMetrics.LIMITS_REACHED).tags("limit", "output").counter().count())
                .isEqualTo(1);
        assertThat(registry.get(SandboxMetrics.FORWARDED_CALLS).tags("syscall", "socket", "decision", "blocked")
                .counter().count()).isEqualTo(2);
        assertThat(registry.get(SandboxMetrics.FORWARDED_CALLS).tags("syscall", "socket", "decision", "accepted")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get(SandboxMetrics.FORWARDED_CALLS).tags("syscall", "write", "decision", "intercepted")
                .counter().count()).isEqualTo(calls.stream().filter(c -> c.getString("name").equals("write")).count());
        assertThat(registry.get(SandboxMetrics.FORWARDED_CALLS).counters().stream().mapToDouble(Counter::count).sum())
                .as("every forwarded call counted once").isEqualTo(calls.size());
    }
}
