package dev.hyperlight.nanvix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy files, presets, and what applying one does to a configuration. */
class PolicyTest {

    @TempDir
    Path tmp;

    @Test
    void aPolicyFileSetsEverySetting() {
        Policy policy = Policy.parse("""
                # comment
                network = allow
                block = unlinkat=EACCES, mkdirat
                tmp.quota = 64M
                files.max = 256
                output.max = 1M
                cpu.time = 10s
                timeout = 30s
                memory = 128M
                mounts.allow = /srv/data, /home/me/input
                """);

        assertThat(policy.network()).isTrue();
        assertThat(policy.blocked()).containsEntry(Syscall.UNLINKAT, Errno.EACCES)
                .containsEntry(Syscall.MKDIRAT, Errno.EPERM).hasSize(2);
        assertThat(policy.tmpQuota()).contains(64L << 20);
        assertThat(policy.maxOpenFiles()).contains(256);
        assertThat(policy.maxOutput()).contains(1 << 20);
        assertThat(policy.cpuTime()).contains(Duration.ofSeconds(10));
        assertThat(policy.timeout()).contains(Duration.ofSeconds(30));
        assertThat(policy.memory()).contains(128L << 20);
        assertThat(policy.mountsAllowed()).contains(List.of(Path.of("/srv/data"), Path.of("/home/me/input")));
    }

    @Test
    void applyingAPolicyChangesTheTableAndLimitsAndKeepsTheRest() throws SandboxException {
        RuntimeConfig config = Policy.parse("block = renameat2=EXDEV\ntmp.quota = none\nfiles.max = 100\n")
                .applyTo(RuntimeConfig.builder().timeout(Duration.ofSeconds(7)).build());

        assertThat(config.syscallTable().action(Syscall.RENAMEAT2)).contains(SyscallAction.block(Errno.EXDEV));
        assertThat(config.syscallTable().action(Syscall.SOCKET)).contains(SyscallAction.blockNetwork(Errno.EACCES));
        assertThat(config.syscallTable().action(Syscall.OPENAT)).contains(SyscallAction.accept());
        assertThat(config.limits()).isEqualTo(new Limits(Duration.ZERO, 100, Limits.NO_QUOTA));
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(7));

        RuntimeConfig open = Policy.parse("network = allow").applyTo(config);
        assertThat(open.syscallTable().action(Syscall.CONNECT)).contains(SyscallAction.accept());
    }

    @Test
    void presets() {
        assertThat(Policy.preset("default")).contains(Policy.DEFAULT);
        assertThat(Policy.preset("strict")).contains(Policy.STRICT);
        assertThat(Policy.preset("lenient")).isEmpty();
        RuntimeConfig strict = Policy.STRICT.applyTo(RuntimeConfig.defaults());
        assertThat(strict.memorySize()).isEqualTo(128L << 20);
        assertThat(strict.outputLimit()).isEqualTo(1 << 20);
        assertThat(strict.limits()).isEqualTo(new Limits(Duration.ofSeconds(10), 64, 16L << 20));
        assertThat(Policy.DEFAULT.applyTo(RuntimeConfig.defaults()).limits()).isEqualTo(Limits.DEFAULT);
    }

    @Test
    void mountsMustLieInTheAllowList() throws IOException, SandboxException {
        Path allowed = Files.createDirectories(tmp.resolve("allowed/inner"));
        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.createSymbolicLink(tmp.resolve("allowed/escape"), other);
        Policy policy = Policy.parse("mounts.allow = " + tmp.resolve("allowed"));

        assertThat(policy.applyTo(RuntimeConfig.builder().mount(Mount.readOnly("/in", allowed)).build()).mounts())
                .hasSize(1);
        for (Path refused : List.of(other, tmp.resolve("allowed/escape"), tmp.resolve("allowed/.."))) {
            RuntimeConfig config = RuntimeConfig.builder().mount(Mount.readOnly("/x", refused)).build();
            assertThatThrownBy(() -> policy.applyTo(config)).as(refused.toString())
                    .hasMessageContaining("the policy does not allow mounting");
        }
        assertThat(Policy.STRICT.mountsAllowed()).contains(List.of());
    }

    @Test
    void mistakesAreOneSentence() {
        assertThatThrownBy(() -> Policy.parse("network = maybe")).hasMessage(
                "network must be 'allow' or 'deny', not 'maybe'");
        assertThatThrownBy(() -> Policy.parse("nework = deny")).hasMessageStartingWith("unknown setting 'nework'");
        assertThatThrownBy(() -> Policy.parse("block = brk")).hasMessageStartingWith(
                "brk is served inside the guest or not at all");
        assertThatThrownBy(() -> Policy.parse("block = frobnicate")).hasMessage(
                "'frobnicate' is not a Linux x86-64 system call");
        assertThatThrownBy(() -> Policy.parse("block = openat=EWHAT")).hasMessageContaining("not an errno name");
        assertThatThrownBy(() -> Policy.parse("output.max = 3G")).hasMessageContaining("above the maximum of 2G");
        assertThat(Policy.parse("").equals(Policy.DEFAULT)).isTrue();
        assertThat(Policy.parse("mounts.allow =").mountsAllowed()).isEqualTo(Optional.of(List.of()));
    }
}
