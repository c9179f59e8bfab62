package dev.hyperlight.nanvix.examples;

import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.abi.Errno;
import dev.hyperlight.nanvix.abi.ErrnoException;
import dev.hyperlight.nanvix.syscall.Syscall;
import dev.hyperlight.nanvix.syscall.SyscallAction;
import dev.hyperlight.nanvix.syscall.SyscallTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Allows file reads, blocks every change to files and all network access. Opening for writing or
 * creating fails with EACCES; calls that change the namespace fail with EROFS; socket calls with
 * EACCES. The handler counts what it refused: state kept per table, so per sandbox.
 *
 * <pre>{@code java ... dev.hyperlight.nanvix.examples.ReadOnlyNoNetwork guest-examples/hello-c}</pre>
 */
public final class ReadOnlyNoNetwork {

    private static final int O_ACCMODE = 03;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;

    private ReadOnlyNoNetwork() {}

    /** The table: reads accepted, writes and network refused; {@code refused} counts refusals. */
    public static SyscallTable table(AtomicInteger refused) {
        SyscallAction readOnlyOpen = SyscallAction.intercept((call, next) -> {
            if ((call.flags() & (O_ACCMODE | O_CREAT | O_TRUNC)) != 0) {
                refused.incrementAndGet();
                throw new ErrnoException(Errno.EACCES, "write access to " + call.path());
            }
            return next.proceed(call);
        });
        return SyscallTable.defaults()
                .with(Syscall.OPENAT, readOnlyOpen)
                .with(List.of(Syscall.WRITE, Syscall.PWRITE64), SyscallAction.intercept((call, next) -> {
                    // The console (fds 1 and 2) stays writable; any other fd was opened read-only.
                    return call.fd() <= 2 ? next.proceed(call) : Errno.EBADF.result();
                }))
                .with(List.of(Syscall.MKDIRAT, Syscall.UNLINKAT, Syscall.RENAMEAT2, Syscall.FTRUNCATE),
                        SyscallAction.block(Errno.EROFS))
                .with(Syscall.NETWORK, SyscallAction.block(Errno.EACCES));
    }

    public static RunResult run(Path program, AtomicInteger refused, String... args) throws SandboxException {
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().syscallTable(table(refused)).build())) {
            return sandbox.run(program, args);
        }
    }

    public static void main(String[] args) throws SandboxException {
        Path program = Path.of(args.length > 0 ? args[0] : "guest-examples/hello-c");
        AtomicInteger refused = new AtomicInteger();
        RunResult result = run(program, refused, Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        System.out.print(result.stdoutText());
        System.err.print(result.stderrText());
        System.err.println(refused.get() + " write attempt(s) refused");
        System.exit(result.exitCode());
    }
}
