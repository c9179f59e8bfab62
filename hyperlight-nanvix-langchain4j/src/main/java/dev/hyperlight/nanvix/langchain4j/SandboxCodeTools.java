package dev.hyperlight.nanvix.langchain4j;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.Objects;

/**
 * Tools for LangChain4j's {@code AiServices} ({@code .tools(new SandboxCodeTools(sandbox))}):
 * {@code run_python} and {@code run_javascript} run the model's code in micro-VMs and answer with
 * the {@link RunReport} text (exit status, how the run ended, standard output and error). A tool
 * call never throws: hostile or broken code, a timeout or a sandbox that cannot start all come
 * back as text the model can read and act on.
 */
public final class SandboxCodeTools implements AutoCloseable {

    private final Sandbox sandbox;
    private final boolean ownsSandbox;

    /** Tools that run in the caller's {@code sandbox}, which stays the caller's to close. */
    public SandboxCodeTools(Sandbox sandbox) {
        this(Objects.requireNonNull(sandbox, "sandbox"), false);
    }

    private SandboxCodeTools(Sandbox sandbox, boolean ownsSandbox) {
        this.sandbox = sandbox;
        this.ownsSandbox = ownsSandbox;
    }

    /** Tools under the {@linkplain StrictConfig strict} configuration, in a sandbox {@link #close()} closes. */
    public static SandboxCodeTools open() throws SandboxException {
        return open(StrictConfig.builder().build());
    }

    /** Tools under {@code config}, in a sandbox {@link #close()} closes. */
    public static SandboxCodeTools open(RuntimeConfig config) throws SandboxException {
        return new SandboxCodeTools(new Sandbox(config), true);
    }

    /** Runs {@code code} with CPython; the {@link RunReport} text of the run. */
    @Tool(name = "run_python", value = {
        "Runs a complete Python 3.11 program (standard library only) in an isolated sandbox and returns its exit"
                + " status, standard output and standard error.",
        "Print what you want to see. There is no network and no host file; only /tmp is writable;"
                + " time and memory are limited."
    })
    public String runPython(@P(name = "code", value = "the whole Python program's source code") String code) {
        return run(GuestRuntime.PYTHON, code);
    }

    /** Runs {@code code} with QuickJS; the {@link RunReport} text of the run. */
    @Tool(name = "run_javascript", value = {
        "Runs a JavaScript program with QuickJS (ES2023, its std and os modules; not Node.js, no browser APIs) in an"
                + " isolated sandbox and returns its exit status, standard output and standard error.",
        "Print with console.log. There is no network and no host file; only /tmp is writable;"
                + " time and memory are limited."
    })
    public String runJavaScript(@P(name = "code", value = "the whole JavaScript program's source code") String code) {
        return run(GuestRuntime.JAVASCRIPT, code);
    }

    private String run(GuestRuntime runtime, String code) {
        // A model that leaves out the argument gets told so, not a NullPointerException.
        if (code == null || code.isBlank()) {
            return "no code was given: pass the whole program as the code argument\n";
        }
        try {
            return RunReport.of(sandbox.runCode(runtime, code));
        } catch (SandboxException failure) {
            return RunReport.of(failure);
        }
    }

    /** Closes the sandbox if {@link #open} opened it; a sandbox given to the constructor stays open. */
    @Override
    public void close() {
        if (ownsSandbox) {
            sandbox.close();
        }
    }
}
