package dev.hyperlight.nanvix.examples;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import dev.hyperlight.nanvix.vfs.GuestNames;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Audits every {@code openat}: the handler sees the path as a string and the flags by name, runs
 * the default implementation, and logs what the guest got. The path is printed with {@link
 * GuestNames#printable}: guest names are bytes, and those that are not UTF-8 show as {@code \xNN}
 * (for every call with exact paths, see {@code SyscallTable.withAudit} and {@code JsonLinesAudit}).
 *
 * <pre>{@code java ... dev.hyperlight.nanvix.examples.AuditOpenat guest-examples/hello-c}</pre>
 */
public final class AuditOpenat {

    private AuditOpenat() {}

    /** Runs {@code program} and prints one line per openat to {@code audit}. */
    public static RunResult run(Path program, PrintStream audit, String... args) throws SandboxException {
        SyscallTable table = SyscallTable.defaults()
                .with(Syscall.OPENAT, SyscallAction.intercept((call, next) -> {
                    long fd = next.proceed(call);
                    String path = GuestNames.printable(call.path());
                    audit.printf("openat %s %s -> %d%n", path, String.join("|", call.flagNames()), fd);
                    return fd;
                }));
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().syscallTable(table).build())) {
            return sandbox.run(program, args);
        }
    }

    public static void main(String[] args) throws SandboxException {
        Path program = Path.of(args.length > 0 ? args[0] : "guest-examples/hello-c");
        RunResult result = run(program, System.err, Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        System.out.print(result.stdoutText());
        System.exit(result.exitCode());
    }
}
