package dev.hyperlight.nanvix;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One run with its own options, on top of the {@link Sandbox}'s {@link RuntimeConfig}: what to run,
 * and its time limit, standard input, environment, mounts and files, so that a service needs
 * neither temporary directories nor one sandbox per variation. Build one with {@link
 * #program}, {@link #script}, {@link #code} or {@link #interpreter}.
 *
 * <pre>{@code
 * RunRequest request = RunRequest.code(GuestRuntime.PYTHON,
 *                 "open('/tmp/out.txt', 'w').write(open('/tmp/in.txt').read().upper())")
 *         .timeout(Duration.ofSeconds(20))
 *         .inputFile("in.txt", "hello".getBytes(StandardCharsets.UTF_8))
 *         .outputFile("out.txt")
 *         .build();
 * byte[] upper = sandbox.run(request).outputFiles().get("/tmp/out.txt");
 * }</pre>
 *
 * <p>Files live in the run's private {@code /tmp}: a relative guest path is taken below it, an
 * absolute one must lie below it; {@code .} and repeated slashes are dropped, and a path that
 * leaves {@code /tmp} through {@code ..} is refused. Input files are written before the guest
 * starts (their parent directories made) and count toward {@link Limits#tmpQuota()}; output files
 * are read back after every process of the run has ended. A path that is then not a regular file
 * (missing, a directory, a symbolic link, or below one) is left out of {@link
 * RunResult#outputFiles()}; so is a file larger than {@link #outputFileLimit()}, and the result
 * then reports {@link ResourceLimit#OUTPUT_FILES}.
 *
 * @param target what runs
 * @param timeout the wall-clock limit of this run; empty: {@link RuntimeConfig#timeout()}
 * @param stdin the whole standard input of this run; empty: {@link RuntimeConfig#stdin()}
 * @param environment variables added to {@link RuntimeConfig#environment()}, replacing those of the
 *     same name
 * @param mounts mounts added after {@link RuntimeConfig#mounts()}; one at the same guest path
 *     replaces the configuration's
 * @param inputFiles files written into the guest before the run, by canonical guest path (the
 *     arrays are not copied: do not change them until the run has ended)
 * @param outputFiles canonical guest paths of files read back after the run
 * @param outputFileLimit the most bytes read back of each output file
 */
public record RunRequest(
        Target target,
        Optional<Duration> timeout,
        Optional<byte[]> stdin,
        Map<String, String> environment,
        List<Mount> mounts,
        Map<String, byte[]> inputFiles,
        Set<String> outputFiles,
        int outputFileLimit) {

    /** Where input and output files live: the run's private directory. */
    public static final String FILES_DIRECTORY = GuestFileSystem.TMP;
    /** The default {@link #outputFileLimit()}: 16 MiB. */
    public static final int DEFAULT_OUTPUT_FILE_LIMIT = 16 << 20;
    /** The longest file name the guest file system takes, in UTF-8 bytes (Linux's NAME_MAX). */
    static final int NAME_MAX = 255;

    /**
     * Checks every part and takes unmodifiable copies of the collections; file paths become
     * canonical.
     *
     * @throws IllegalArgumentException for a negative timeout or output file limit, a bad
     *     environment variable, or a file path outside {@link #FILES_DIRECTORY}
     */
    public RunRequest {
        Objects.requireNonNull(target, "target must not be null");
        Objects.requireNonNull(timeout, "timeout must not be null");
        Objects.requireNonNull(stdin, "stdin must not be null");
        Objects.requireNonNull(environment, "environment must not be null");
        Objects.requireNonNull(mounts, "mounts must not be null");
        Objects.requireNonNull(inputFiles, "inputFiles must not be null");
        Objects.requireNonNull(outputFiles, "outputFiles must not be null");
        timeout.ifPresent(RunRequest::checkTimeout);
        Map<String, String> variables = new LinkedHashMap<>();
        environment.forEach((name, value) -> variables.put(EnvironmentVariables.checkName(name),
                EnvironmentVariables.checkValue(value)));
        environment = Collections.unmodifiableMap(variables);
        mounts = List.copyOf(mounts);
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        inputFiles.forEach((path, content) -> {
            String canonical = filePath(path);
            Objects.requireNonNull(content, () -> "the content of input file " + path + " must not be null");
            if (inputs.put(canonical, content) != null) {
                throw new IllegalArgumentException("input file " + canonical + " is given twice");
            }
        });
        inputFiles = Collections.unmodifiableMap(inputs);
        Set<String> outputs = new LinkedHashSet<>();
        outputFiles.forEach(path -> outputs.add(filePath(path)));
        outputFiles = Collections.unmodifiableSet(outputs);
        if (outputFileLimit < 0) {
            throw new IllegalArgumentException("output file limit must not be negative");
        }
    }

    /** What a run starts; the four ways {@link Sandbox} runs something. */
    public sealed interface Target {

        /** The program's arguments ({@code argv[1..]}), or the interpreter's whole command line. */
        List<String> arguments();

        /**
         * A file run by its type: an ELF executable runs itself, a script its {@linkplain
         * GuestRuntime#forFile built-in runtime}. Its directory is {@code /app}, read-only.
         *
         * @param program the program or script on the host
         * @param arguments its arguments
         */
        record Program(Path program, List<String> arguments) implements Target {
            public Program {
                Objects.requireNonNull(program, "program must not be null");
                arguments = List.copyOf(Objects.requireNonNull(arguments, "arguments must not be null"));
            }
        }

        /**
         * A script run by {@code runtime}, whatever its extension says; its directory is {@code /app}.
         *
         * @param runtime the runtime that runs it
         * @param script the script on the host
         * @param arguments its arguments
         */
        record Script(GuestRuntime runtime, Path script, List<String> arguments) implements Target {
            public Script {
                Objects.requireNonNull(runtime, "runtime must not be null");
                Objects.requireNonNull(script, "script must not be null");
                arguments = List.copyOf(Objects.requireNonNull(arguments, "arguments must not be null"));
            }
        }

        /**
         * Code given as a string, run by {@code runtime}; no {@code /app}, the working directory is {@code /tmp}.
         *
         * @param runtime the runtime that runs it
         * @param code the source code
         * @param arguments its arguments
         */
        record Code(GuestRuntime runtime, String code, List<String> arguments) implements Target {
            public Code {
                Objects.requireNonNull(runtime, "runtime must not be null");
                Objects.requireNonNull(code, "code must not be null");
                arguments = List.copyOf(Objects.requireNonNull(arguments, "arguments must not be null"));
            }
        }

        /**
         * {@code runtime}'s interpreter with {@code arguments} as its command line, unchanged, and
         * {@code workingDirectory} read-only at {@code /app}.
         *
         * @param runtime whose interpreter runs
         * @param workingDirectory the host directory mounted at {@code /app}, the working directory
         * @param arguments the interpreter's command line after {@code argv[0]}
         */
        record Interpreter(GuestRuntime runtime, Path workingDirectory, List<String> arguments) implements Target {
            public Interpreter {
                Objects.requireNonNull(runtime, "runtime must not be null");
                Objects.requireNonNull(workingDirectory, "workingDirectory must not be null");
                arguments = List.copyOf(Objects.requireNonNull(arguments, "arguments must not be null"));
            }
        }
    }

    /** A request for {@code program} (an ELF executable or a script, by its type) with {@code args}. */
    public static Builder program(Path program, String... args) {
        return new Builder(new Target.Program(program, arguments(args, "args")));
    }

    /** A request for {@code script} run by {@code runtime}, with {@code args}. */
    public static Builder script(GuestRuntime runtime, Path script, String... args) {
        return new Builder(new Target.Script(runtime, script, arguments(args, "args")));
    }

    /** A request for {@code code} run by {@code runtime}, with {@code args}. */
    public static Builder code(GuestRuntime runtime, String code, String... args) {
        return new Builder(new Target.Code(runtime, code, arguments(args, "args")));
    }

    /** A request for {@code runtime}'s interpreter with {@code arguments} as its command line. */
    public static Builder interpreter(GuestRuntime runtime, Path workingDirectory, String... arguments) {
        return new Builder(new Target.Interpreter(runtime, workingDirectory, arguments(arguments, "arguments")));
    }

    /** {@code values} as a list; refuses a null array or element, naming it. */
    static List<String> arguments(String[] values, String name) {
        Objects.requireNonNull(values, () -> name + " must not be null");
        for (int i = 0; i < values.length; i++) {
            int index = i;
            Objects.requireNonNull(values[i], () -> name + "[" + index + "] must not be null");
        }
        return List.of(values);
    }

    static void checkTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative");
        }
    }

    /**
     * {@code path} as a canonical guest path below {@link #FILES_DIRECTORY}: relative paths are
     * taken below it, {@code .} and empty names dropped, {@code ..} resolved; refused when it
     * leaves the directory, names the directory itself, or has a name the guest cannot hold.
     */
    static String filePath(String path) {
        Objects.requireNonNull(path, "file path must not be null");
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("file path '" + path + "' contains NUL");
        }
        List<String> names = new ArrayList<>();
        String absolute = path.startsWith("/") ? path : FILES_DIRECTORY + "/" + path;
        for (String name : absolute.split("/")) {
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (names.isEmpty()) {
                    throw outsideFiles(path);
                }
                names.removeLast();
                continue;
            }
            if (dev.hyperlight.nanvix.vfs.GuestNames.byteLength(name) > NAME_MAX) {
                throw new IllegalArgumentException("file path '" + path + "' has a name longer than "
                        + NAME_MAX + " bytes");
            }
            names.add(name);
        }
        String canonical = "/" + String.join("/", names);
        if (!canonical.startsWith(FILES_DIRECTORY + "/")) {
            throw outsideFiles(path);
        }
        return canonical;
    }

    private static IllegalArgumentException outsideFiles(String path) {
        return new IllegalArgumentException("file path '" + path + "' is not below " + FILES_DIRECTORY
                + ", where a run's files live");
    }

    /** Builds a {@link RunRequest}; every setter checks its argument at once. */
    public static final class Builder {
        private final Target target;
        private Duration timeout;
        private byte[] stdin;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<Mount> mounts = new ArrayList<>();
        private final Map<String, byte[]> inputFiles = new LinkedHashMap<>();
        private final Set<String> outputFiles = new LinkedHashSet<>();
        private int outputFileLimit = DEFAULT_OUTPUT_FILE_LIMIT;

        private Builder(Target target) {
            this.target = target;
        }

        /** This run's wall-clock limit instead of the configuration's; {@link Duration#ZERO} for none. */
        public Builder timeout(Duration timeout) {
            checkTimeout(Objects.requireNonNull(timeout, "timeout must not be null"));
            this.timeout = timeout;
            return this;
        }

        /** This run's whole standard input (copied); the guest reads end of file after it. */
        public Builder stdin(byte[] bytes) {
            this.stdin = Objects.requireNonNull(bytes, "bytes must not be null").clone();
            return this;
        }

        /** Sets one environment variable for this run, over the configuration's. */
        public Builder env(String name, String value) {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(value, "value must not be null");
            environment.put(EnvironmentVariables.checkName(name), EnvironmentVariables.checkValue(value));
            return this;
        }

        /** Adds a mount for this run, after the configuration's. */
        public Builder mount(Mount mount) {
            mounts.add(Objects.requireNonNull(mount, "mount must not be null"));
            return this;
        }

        /**
         * Writes {@code content} (copied) to {@code guestPath} below {@code /tmp} before the run.
         *
         * @throws IllegalArgumentException when the path is not below {@code /tmp} or given twice
         */
        public Builder inputFile(String guestPath, byte[] content) {
            String canonical = filePath(guestPath);
            Objects.requireNonNull(content, "content must not be null");
            if (inputFiles.putIfAbsent(canonical, content.clone()) != null) {
                throw new IllegalArgumentException("input file " + canonical + " is given twice");
            }
            return this;
        }

        /**
         * Reads {@code guestPath} below {@code /tmp} back after the run, into {@link RunResult#outputFiles()}.
         *
         * @throws IllegalArgumentException when the path is not below {@code /tmp}
         */
        public Builder outputFile(String guestPath) {
            outputFiles.add(filePath(guestPath));
            return this;
        }

        /** The most bytes read back of each output file; {@link #DEFAULT_OUTPUT_FILE_LIMIT} unless set. */
        public Builder outputFileLimit(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("output file limit must not be negative");
            }
            this.outputFileLimit = bytes;
            return this;
        }

        /** The request. */
        public RunRequest build() {
            return new RunRequest(target, Optional.ofNullable(timeout), Optional.ofNullable(stdin), environment,
                    mounts, inputFiles, outputFiles, outputFileLimit);
        }
    }
}
