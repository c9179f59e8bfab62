package dev.hyperlight.nanvix.langchain4j;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.langchain4j.code.CodeExecutionEngine;
import java.util.Objects;

/**
 * A LangChain4j {@link CodeExecutionEngine} that runs each piece of code in its own micro-VM,
 * with CPython or QuickJS. Runs after the first are warm clones of a template (fast), each
 * with a fresh memory image and a private {@code /tmp}.
 *
 * <p>{@link #execute(String)} never throws for what the code does: a program that exits 0 with
 * nothing on standard error gives its standard output; anything else (an error, a timeout, a
 * fault, a sandbox that cannot start) gives the {@link RunReport} text, so that a caller handing
 * the result to a model always has something to hand.
 */
public final class SandboxCodeExecutionEngine implements CodeExecutionEngine, AutoCloseable {

    private final Sandbox sandbox;
    private final GuestRuntime runtime;
    private final boolean ownsSandbox;

    private SandboxCodeExecutionEngine(Sandbox sandbox, GuestRuntime runtime, boolean ownsSandbox) {
        this.sandbox = sandbox;
        this.runtime = runtime;
        this.ownsSandbox = ownsSandbox;
    }

    /** CPython under the {@linkplain StrictConfig strict} configuration, in a sandbox {@link #close()} closes. */
    public static SandboxCodeExecutionEngine python() throws SandboxException {
        return python(StrictConfig.builder().build());
    }

    /** CPython under {@code config}, in a sandbox {@link #close()} closes. */
    public static SandboxCodeExecutionEngine python(RuntimeConfig config) throws SandboxException {
        return new SandboxCodeExecutionEngine(new Sandbox(config), GuestRuntime.PYTHON, true);
    }

    /** QuickJS under the {@linkplain StrictConfig strict} configuration, in a sandbox {@link #close()} closes. */
    public static SandboxCodeExecutionEngine javascript() throws SandboxException {
        return javascript(StrictConfig.builder().build());
    }

    /** QuickJS under {@code config}, in a sandbox {@link #close()} closes. */
    public static SandboxCodeExecutionEngine javascript(RuntimeConfig config) throws SandboxException {
        return new SandboxCodeExecutionEngine(new Sandbox(config), GuestRuntime.JAVASCRIPT, true);
    }

    /** {@code runtime} in the caller's {@code sandbox}, which stays the caller's to close. */
    public static SandboxCodeExecutionEngine using(Sandbox sandbox, GuestRuntime runtime) {
        return new SandboxCodeExecutionEngine(
                Objects.requireNonNull(sandbox, "sandbox"), Objects.requireNonNull(runtime, "runtime"), false);
    }

    /**
     * Runs {@code code} as a whole program.
     *
     * @return its standard output if it exited 0 with nothing on standard error, else the {@link
     *     RunReport} text of the run or of why the sandbox could not run it
     */
    @Override
    public String execute(String code) {
        Objects.requireNonNull(code, "code");
        RunResult result;
        try {
            result = sandbox.runCode(runtime, code);
        } catch (SandboxException failure) {
            return RunReport.of(failure);
        }
        boolean clean = result.success() && result.stderr().length == 0 && !result.outputTruncated();
        return clean ? result.stdoutText() : RunReport.of(result);
    }

    /** Closes the sandbox if this engine opened it; a sandbox given to {@link #using} stays open. */
    @Override
    public void close() {
        if (ownsSandbox) {
            sandbox.close();
        }
    }
}
