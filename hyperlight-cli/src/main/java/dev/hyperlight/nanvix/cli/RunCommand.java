package dev.hyperlight.nanvix.cli;

import dev.hyperlight.nanvix.GuestRuntime;
import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import dev.hyperlight.nanvix.SandboxException;
import dev.hyperlight.nanvix.Termination;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Stack;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hyperlight-nanvix [OPTIONS] FILE [ARGS...]}: runs FILE in a fresh micro-VM; {@code
 * hyperlight-nanvix [OPTIONS] --runtime NAME [ARGS...]}: runs a runtime's interpreter with ARGS.
 */
@Command(
        name = "hyperlight-nanvix",
        mixinStandardHelpOptions = true,
        customSynopsis = {
            "hyperlight-nanvix [OPTIONS] FILE [ARGS...]",
            "       hyperlight-nanvix [OPTIONS] --runtime NAME [ARGS...]",
            "       hyperlight-nanvix doctor",
            "       hyperlight-nanvix mcp [OPTIONS]",
            "       hyperlight-nanvix serve [OPTIONS]"
        },
        versionProvider = Version.class,
        sortOptions = false,
        description = {
            "Runs FILE in a fresh hardware-isolated micro-VM and exits with its exit status.",
            "FILE is an x86-64 Linux executable (static, or dynamically linked: its loader",
            "and C/C++ libraries come from the base image), or a script run by its runtime:",
            ".js and .mjs by QuickJS (qjs --std FILE), .py by CPython 3.11 (python3 FILE),",
            ".cjs by Node.js 18 (node FILE; --runtime node FILE.js for other Node scripts).",
            "Everything after FILE is passed to the program unchanged.",
            "With --runtime NAME, everything after NAME is the runtime's own command line",
            "(--runtime js -e CODE, --runtime python -m json.tool), and the current",
            "directory is mounted read-only at /app, the working directory.",
            "'hyperlight-nanvix doctor' checks whether this host can run micro-VMs",
            "(run ./doctor for a program of that name).",
            "'hyperlight-nanvix mcp' serves run_python and run_javascript over the Model",
            "Context Protocol on standard input and output (mcp --help).",
            "'hyperlight-nanvix serve' runs Python and JavaScript code sent over HTTP as",
            "JSON (serve --help)."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "  N:the program's own exit status",
            "124:the program ran longer than --timeout",
            "152:the program used more CPU time than --cpu-time",
            "153:output beyond --max-output was dropped",
            "154:the program failed after running out of --memory",
            "125:the virtual machine failed (guest kernel panic, bad exit)",
            " 74:--audit could not record a call: the program was stopped there",
            "128+N:the program was killed by a fault (signal N, e.g. 139 = SIGSEGV)",
            "  2:bad command-line usage",
            " 65:unknown file type",
            " 66:FILE does not exist or is not readable",
            " 67:FILE is not a valid or supported executable",
            " 69:no usable hypervisor (/dev/kvm missing or unsupported)",
            " 70:internal host error",
            " 72:the runtime's files are missing or cannot be extracted",
            " 77:no permission to use /dev/kvm"
        })
final class RunCommand implements Callable<Integer> {

    @Option(names = "--env", paramLabel = "K=V",
            description = "Set an environment variable in the guest (repeatable). The host's are not inherited.")
    List<String> environment = new ArrayList<>();

    @Option(names = "--mount", paramLabel = "HOST:GUEST[:ro|rw]",
            description = "Make a host directory visible in the guest (repeatable; default rw).")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "Append a log of each run (guest kernel messages, fault details) to DIR/sandbox.log.")
    Path logDirectory;

    @Option(names = "--tmp-dir", paramLabel = "DIR",
            description = "Create the run's private /tmp under DIR (removed after the run).")
    Path tmpDirectory;

    @Option(names = "--template-cache", paramLabel = "DIR",
            description = "Save warm-start templates of the runtimes in DIR and start from them"
                    + " (default: ~/.cache/hyperlight-nanvix/templates).")
    Path templateDirectory;

    @Option(names = "--no-template-cache",
            description = "Neither save nor use templates on disk: each run of a runtime boots it afresh.")
    boolean noTemplateCache;

    @Option(names = "--hypervisor", paramLabel = "kvm|mshv|auto", defaultValue = RuntimeConfig.AUTO_HYPERVISOR,
            description = "The hypervisor backend: kvm (/dev/kvm), mshv (/dev/mshv: Linux as Hyper-V's root"
                    + " partition) or auto, the first of the two this host has (the default).")
    String hypervisor;

    @Option(names = "--runtime", paramLabel = "NAME", arity = "1", parameterConsumer = RestOfLine.class,
            description = "Run the runtime NAME (javascript, js, python, python3, node) with everything after NAME as its command line.")
    List<String> runtimeCommandLine = new ArrayList<>();

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The program or script to run.")
    Path file;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
    List<String> arguments = new ArrayList<>();

    @CommandLine.Mixin
    PolicyOptions policy = new PolicyOptions();

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    private RunCommand(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Parses {@code args}, runs the program, and returns the command's exit status. */
    static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("doctor")) {
            return DoctorCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("mcp")) {
            return McpCommand.execute(Arrays.copyOfRange(args, 1, args.length), in, out, err);
        }
        if (args.length > 0 && args[0].equals("serve")) {
            return ServeCommand.execute(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        CommandLine commandLine = new CommandLine(new RunCommand(in, out, err));
        commandLine.setStopAtPositional(true);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((exception, ignored) -> {
            err.println("hyperlight-nanvix: " + exception.getMessage());
            err.println("Try 'hyperlight-nanvix --help' for more information.");
            return ExitCodes.USAGE;
        });
        commandLine.setExecutionExceptionHandler((exception, ignored, parseResult) -> {
            err.println("hyperlight-nanvix: internal error: " + exception);
            return ExitCodes.HOST_ERROR;
        });
        return commandLine.execute(args);
    }

    /** Takes NAME and every argument after it, options or not, for {@code --runtime}. */
    static final class RestOfLine implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            if (args.isEmpty()) {
                throw new CommandLine.ParameterException(commandSpec.commandLine(),
                        "Missing required parameter for option '--runtime' (NAME)");
            }
            List<String> rest = new ArrayList<>();
            while (!args.isEmpty()) {
                rest.add(args.pop());
            }
            argSpec.setValue(rest);
        }
    }

    @Override
    public Integer call() {
        if (runtimeCommandLine.isEmpty() && file == null) {
            err.println("hyperlight-nanvix: Missing required parameter: 'FILE'");
            err.println("Try 'hyperlight-nanvix --help' for more information.");
            return ExitCodes.USAGE;
        }
        Optional<GuestRuntime> runtime = Optional.empty();
        if (!runtimeCommandLine.isEmpty()) {
            runtime = GuestRuntime.named(runtimeCommandLine.getFirst());
            if (runtime.isEmpty()) {
                err.println("hyperlight-nanvix: unknown runtime '" + runtimeCommandLine.getFirst() + "' (known: "
                        + String.join(", ", GuestRuntime.knownNames()) + ")");
                return ExitCodes.USAGE;
            }
        }
        RuntimeConfig config;
        try {
            config = buildConfig();
        } catch (IllegalArgumentException e) {
            err.println("hyperlight-nanvix: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (SandboxException e) {
            err.println("hyperlight-nanvix: " + e.getMessage());
            return ExitCodes.of(e.reason());
        }
        try (PolicyOptions audit = policy; Sandbox sandbox = new Sandbox(config)) {
            RunResult result = runtime.isPresent()
                    ? sandbox.runInterpreter(runtime.get(), Path.of("").toAbsolutePath(),
                            runtimeCommandLine.subList(1, runtimeCommandLine.size()).toArray(String[]::new))
                    : sandbox.run(file, arguments.toArray(String[]::new));
            out.flush();
            if (!(result.termination() instanceof Termination.Exited)) {
                String what = runtime.map(GuestRuntime::name).orElse(String.valueOf(file));
                err.println("hyperlight-nanvix: " + what + " " + result.termination().describe());
            }
            return policy.exitCode(result, config, err);
        } catch (SandboxException e) {
            err.println("hyperlight-nanvix: " + e.getMessage());
            return ExitCodes.of(e.reason());
        } catch (IOException e) {
            // Only closing the audit file throws it: its records may not all be on disk.
            err.println("hyperlight-nanvix: " + e.getMessage());
            return Termination.AuditFailed.EXIT_CODE;
        }
    }

    private RuntimeConfig buildConfig() throws SandboxException {
        RuntimeConfig.Builder builder = policy.base().stdin(in).stdout(out).stderr(err).hypervisor(hypervisor);
        for (String assignment : environment) {
            int equals = assignment.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("'" + assignment + "' is not K=V");
            }
            builder.env(assignment.substring(0, equals), assignment.substring(equals + 1));
        }
        for (String spec : mounts) {
            builder.mount(MountSpec.parse(spec));
        }
        if (logDirectory != null) {
            builder.logDirectory(logDirectory);
        }
        if (tmpDirectory != null) {
            builder.tmpDirectory(tmpDirectory);
        }
        if (noTemplateCache && templateDirectory != null) {
            throw new IllegalArgumentException("--template-cache and --no-template-cache exclude each other");
        }
        if (!noTemplateCache) {
            builder.templateDirectory(templateDirectory != null ? templateDirectory
                    : RuntimeConfig.defaultTemplateDirectory());
        }
        return policy.apply(builder.build());
    }
}
