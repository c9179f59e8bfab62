package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import dev.hyperlight.nanvix.hypervisor.Deployment;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Static C programs in real micro-VMs, through the public API. */
class RunProgramsTest {

    @TempDir
    Path tmp;

    private Sandbox sandbox(RuntimeConfig.Builder builder) throws SandboxException {
        return new Sandbox(builder.tmpDirectory(tmp.resolve("runs")).build());
    }

    private RunResult run(Path program, String... args) throws SandboxException {
        try (Sandbox sandbox = sandbox(Suite.config())) {
            return sandbox.run(program, args);
        }
    }

    @Test
    void helloGreetsAndExitsZero() throws Exception {
        RunResult result = run(Guests.example("hello-c"), "one", "two words");

        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText())
                .contains("Hello from C in a Hyperlight-Nanvix micro-VM!")
                .contains("read back: written from the guest")
                .contains("arguments: 2, year >= 2024: yes")
                .contains("argv[2] = two words");
        assertThat(result.stderrText()).isEmpty();
        assertThat(result.duration()).isPositive();
    }

    @Test
    void exitStatusIsTheGuests() throws Exception {
        assertThat(run(Guests.guest("exit-status"), "42").exitCode()).isEqualTo(42);
        assertThat(run(Guests.guest("exit-status"), "300").exitCode()).isEqualTo(300 & 0xff);
        assertThat(run(Guests.guest("exit-status")).success()).isTrue();
    }

    @Test
    void staticPieRuns() throws Exception {
        RunResult result = run(Guests.guest("static-pie-hello"), "7");

        assertThat(result.exitCode()).isEqualTo(7);
        assertThat(result.stdoutText()).isEqualTo("exit-status here\n");
    }

    @Test
    void filesInTmpAreWrittenAndReadBackAndRemovedAfterTheRun() throws Exception {
        RunResult result = run(Guests.guest("files"));

        assertThat(result.stdoutText()).contains("0 failures").doesNotContain("FAILED");
        assertThat(result.exitCode()).isZero();
        try (var left = Files.list(tmp.resolve("runs"))) {
            assertThat(left).as("private /tmp directories left behind").isEmpty();
        }
    }

    /** Heap and mmap memory holds what was written: the guest reads every byte back (guests/memory.c). */
    @Test
    void memoryCallsWork() throws Exception {
        RunResult result = run(Guests.guest("memory"));

        assertThat(result.stderrText()).as("what the guest found wrong").isEmpty();
        assertThat(result.termination()).isEqualTo(new Termination.Exited(0));
        assertThat(result.stdoutText()).startsWith("heap 16384 KiB written and read back, 8192 KiB freed, reused"
                + " and read back, mmap 32 MiB read back, 64 GiB mapping ");
    }

    @Test
    void clocksAndSleepWork() throws Exception {
        RunResult result = run(Guests.guest("clock"));

        assertThat(result.exitCode()).as(result.stdoutText()).isZero();
    }

    @Test
    void environmentIsExactlyTheConfiguredOne() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox(Suite.config().env("GREETING", "hi"))) {
            result = sandbox.run(Guests.guest("environment"), "x");
        }

        assertThat(result.stdoutText().lines().filter(line -> line.startsWith("env ")))
                .containsExactlyInAnyOrder("env PATH=/usr/local/bin:/usr/bin:/bin", "env HOME=/tmp",
                        "env LANG=C.UTF-8", "env GREETING=hi");
        assertThat(result.stdoutText()).contains("arg /app/environment", "arg x");
    }

    @Test
    void standardInputReachesTheGuestAndOutputStreamsToSinks() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] input = "line one\nline two\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        RunResult result;
        try (Sandbox sandbox = sandbox(Suite.config().stdin(new ByteArrayInputStream(input)).stdout(out))) {
            result = sandbox.run(Guests.guest("cat"));
        }

        assertThat(result.exitCode()).isZero();
        assertThat(out.toByteArray()).isEqualTo(input);
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void spinningGuestIsStoppedByTheTimeout() throws Exception {
        RunResult result;
        try (Sandbox sandbox = sandbox(Suite.config().timeout(Duration.ofMillis(500)))) {
            result = sandbox.run(Guests.guest("spin"));
        }

        assertThat(result.termination()).isEqualTo(new Termination.TimedOut(Duration.ofMillis(500)));
        assertThat(result.exitCode()).isEqualTo(124);
        assertThat(result.stdoutText()).as("the guest ran up to its loop").isEqualTo("spinning\n");
    }

    /**
     * A cancel returns once the VM is gone: the run's vCPU thread has ended, and the VM's KVM file
     * descriptors, {@code kvm_run} area and guest RAM mapping, there while the guest spun, are
     * released. In the multi-process deployment the KVM descriptors and {@code kvm_run} are the
     * VMM process's (this JVM has none, ever) and the cancel ends that process.
     */
    @Test
    void runAsyncCompletesAndCancelDestroysTheVmAndEndsItsThread() throws Exception {
        long memory = 40L << 20; // a size no mapping of the JVM's has, to find the guest RAM by
        CountDownLatch spinning = new CountDownLatch(1);
        OutputStream stdout = new OutputStream() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public synchronized void write(int b) {
                text.append((char) b);
                if (text.toString().contains("spinning\n")) {
                    spinning.countDown();
                }
            }
        };
        try (Sandbox sandbox = sandbox(Suite.config().timeout(Duration.ZERO).memorySize(memory)
                .stdout(stdout))) {
            CompletableFuture<RunResult> hello = sandbox.runAsync(Guests.guest("exit-status"), "5");
            assertThat(hello.get(30, TimeUnit.SECONDS).exitCode()).isEqualTo(5);
            long kvmFds = ProcSelf.kvmFileDescriptors();
            long guestRam = ProcSelf.mappingsOfSize(memory);
            long kvmRunAreas = ProcSelf.kvmMappings();

            CompletableFuture<RunResult> spin = sandbox.runAsync(Guests.guest("spin"));
            assertThat(spinning.await(60, TimeUnit.SECONDS)).as("the guest started spinning").isTrue();
            Thread vcpu = ProcSelf.thread("hyperlight-vcpu-run-2");
            boolean multiProcess = Suite.multiProcess();
            List<ProcessHandle> vmms = ProcSelf.vmmProcessesRunningAVcpu();
            if (multiProcess) {
                assertThat(ProcSelf.kvmFileDescriptors()).as("KVM descriptors of this JVM").isZero();
            } else {
                assertThat(ProcSelf.kvmFileDescriptors()).as("KVM descriptors of the spinning VM and vCPU")
                        .isGreaterThanOrEqualTo(kvmFds + 2);
            }
            assertThat(ProcSelf.mappingsOfSize(memory)).as("guest RAM mappings").isEqualTo(guestRam + 1);
            assertThat(ProcSelf.kvmMappings()).as("kvm_run mappings").isEqualTo(multiProcess ? 0 : kvmRunAreas + 1);
            assertThat(vmms).as("VMM processes serving a vCPU").hasSize(multiProcess ? 1 : 0);

            assertThat(spin.cancel(true)).isTrue();

            assertThat(spin).isCancelled();
            assertThat(vcpu.isAlive()).as("the run's vCPU thread is alive").isFalse();
            if (Suite.deployment() instanceof Deployment.MultiProcess shared && shared.sharesProcesses()) {
                // A shared VMM process lives on for the sandbox's next VMs; the VM's thread goes.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!ProcSelf.vmmProcessesRunningAVcpu().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(ProcSelf.vmmProcessesRunningAVcpu()).as("VMM processes serving a vCPU").isEmpty();
            } else {
                assertThat(vmms).as("the spinning VM's VMM process").noneMatch(ProcessHandle::isAlive);
            }
            assertThat(ProcSelf.kvmFileDescriptors()).as("KVM descriptors").isEqualTo(kvmFds);
            assertThat(ProcSelf.mappingsOfSize(memory)).as("guest RAM mappings").isEqualTo(guestRam);
            assertThat(ProcSelf.kvmMappings()).as("kvm_run mappings").isEqualTo(kvmRunAreas);
        }
    }

    @Test
    void nullPointerWriteIsReportedAsSegmentationFault() throws Exception {
        RunResult result = run(Guests.guest("null-write"));

        assertThat(result.termination()).isInstanceOfSatisfying(Termination.Faulted.class, fault -> {
            assertThat(fault.signal()).isEqualTo(11);
            assertThat(fault.detail()).startsWith("page fault at 0x0 (write");
        });
        assertThat(result.exitCode()).isEqualTo(139);
    }

    @Test
    void invalidOpcodeIsReportedAsIllegalInstruction() throws Exception {
        RunResult result = run(Guests.guest("invalid-opcode"));

        assertThat(result.termination()).isInstanceOfSatisfying(Termination.Faulted.class,
                fault -> assertThat(fault.signal()).isEqualTo(4));
        assertThat(result.exitCode()).isEqualTo(132);
    }

    @Test
    void privilegedInstructionsInUserModeAreFaults() throws Exception {
        for (String instruction : new String[] {"hlt", "cli", "out-exit", "out-hypercall"}) {
            RunResult result = run(Guests.guest("privileged"), instruction);

            assertThat(result.termination()).as(instruction).isInstanceOfSatisfying(Termination.Faulted.class,
                    fault -> assertThat(fault.signal()).isEqualTo(11));
        }
    }

    @Test
    void badProgramsAreRefusedBeforeAnyVmExists() throws Exception {
        try (Sandbox sandbox = sandbox(Suite.config())) {
            assertThatThrownBy(() -> sandbox.run(tmp.resolve("missing")))
                    .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.reason())
                            .isEqualTo(SandboxException.Reason.PROGRAM_NOT_FOUND))
                    .hasMessageContaining("no such file");
            assertThatThrownBy(() -> sandbox.run(Guests.guest("not-elf.txt")))
                    .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.reason())
                            .isEqualTo(SandboxException.Reason.UNKNOWN_FILE_TYPE));
            assertThatThrownBy(() -> sandbox.run(Guests.guest("truncated-elf")))
                    .isInstanceOfSatisfying(SandboxException.class, e -> assertThat(e.reason())
                            .isEqualTo(SandboxException.Reason.MALFORMED_PROGRAM));
        }
    }
}
