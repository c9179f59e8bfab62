package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.loader.BootArgumentException;
import dev.hyperlight.nanvix.loader.BootRequest;
import dev.hyperlight.nanvix.loader.StringsBlock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * How a run starts warm: a runtime's ({@link Plan}) or an ELF program's ({@link ProgramPlan}).
 *
 * <p>A runtime's template runs a start stub of ours ({@code
 * python3 -c STUB}, {@code qjs --std -e STUB}; the sources are resources next to this class) that
 * initialises the interpreter and then reads its start message from fd {@link #START_FD}, where
 * the VM is captured. A clone answers that read with its own message: which script or code to
 * run, its arguments and environment, fresh randomness; the stub becomes that run as the
 * interpreter's own command line would have made it.
 *
 * <p>A template fits every run of its {@link Key}: the runtime, its preload code, the variables its start-up reads
 * (Python's {@code PYTHON*}, locale and {@code HOME}) and the mounts that could change what its
 * start-up reads (over its image or the system directories). The rest of the environment, the
 * working directory, {@code /app}, {@code /tmp} and the other mounts belong to each clone.
 *
 * <p>An ELF program's template is the guest kernel itself, stopped where it has loaded the program
 * (and its interpreter) and waits for its start message before it builds the stack
 * (docs/guest-abi.md, "Start message"). A template fits every run of the same program bytes under
 * the same exec path and, for a dynamic program, the same mounts over the directories its
 * interpreter is read from.
 */
final class WarmStart {

    /** The fd a stub reads its start message from, the first above the standard ones. */
    static final int START_FD = 3;
    private static final String MESSAGE_VERSION = "hyperlight-start-1";
    /** "NVXSTRT1" read as a little-endian u64: the kernel's {@code abi::start::START_MAGIC}. */
    static final long KERNEL_MESSAGE_MAGIC = 0x3154_5254_5358_564eL;
    /** Where a dynamic program's interpreter and libraries come from (the base image's). */
    private static final List<String> LIBRARY_DIRECTORIES = List.of("/lib", "/lib64", "/usr", "/etc");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One template's identity within a sandbox (whose memory size, kernel and policy are fixed). */
    sealed interface TemplateKey permits Key, ProgramKey {

        /** What the template starts, for logs and file names. */
        String name();
    }

    /**
     * A runtime's template.
     *
     * @param preload the code the template runs before it waits, empty for none
     */
    record Key(GuestRuntime runtime, List<String> environment, List<Mount> mounts, String preload)
            implements TemplateKey {

        Key {
            environment = List.copyOf(environment);
            mounts = List.copyOf(mounts);
        }

        @Override
        public String name() {
            return runtime.name();
        }
    }

    /**
     * An ELF program's template.
     *
     * @param sha256 the program file's digest (hex)
     * @param libraries the base image at {@code /} a dynamic program's interpreter is read from
     * @param mounts the run's mounts over the directories the interpreter could be read from
     */
    record ProgramKey(String sha256, String execPath, Optional<Mount> libraries, List<Mount> mounts)
            implements TemplateKey {

        ProgramKey {
            mounts = List.copyOf(mounts);
        }

        @Override
        public String name() {
            return "program";
        }
    }

    /** A run that can start warm, and how its template is made. */
    sealed interface StartPlan permits Plan, ProgramPlan {

        TemplateKey key();

        /** The template's command line. */
        List<String> templateArgv();

        /** The template's environment. */
        List<String> templateEnvironment();

        /** The mounts the template boots with besides the command's own. */
        List<Mount> templateMounts();

        /** Whether the guest kernel itself waits for the message (else a start stub does). */
        boolean kernelStartPoint();

        /** The message this run's clone reads; fresh randomness (and time) every time. */
        byte[] message();
    }

    /**
     * A run that can start warm.
     *
     * @param templateArgv the template's command line: the interpreter running the stub
     * @param script whether the run is a script (else code)
     * @param target the script's guest path or the code
     * @param programArguments what the program sees as its arguments ({@code sys.argv}, {@code
     *     scriptArgs})
     * @param commandLine the command line a cold run would have had
     */
    record Plan(Key key, List<String> templateArgv, boolean script, String target, List<String> programArguments,
            List<String> commandLine, List<String> environment) implements StartPlan {

        @Override
        public List<String> templateEnvironment() {
            return key.environment();
        }

        @Override
        public List<Mount> templateMounts() {
            return key.mounts();
        }

        @Override
        public boolean kernelStartPoint() {
            return false;
        }

        @Override
        public byte[] message() {
            byte[] seed = new byte[16];
            RANDOM.nextBytes(seed);
            List<String> fields = new ArrayList<>();
            fields.add(MESSAGE_VERSION);
            fields.add(script ? "script" : "code");
            fields.add(target);
            addCounted(fields, programArguments);
            addCounted(fields, environment);
            addCounted(fields, commandLine);
            fields.add(HexFormat.of().formatHex(seed));
            return String.join("\0", fields).getBytes(StandardCharsets.UTF_8);
        }

        private static void addCounted(List<String> fields, List<String> values) {
            fields.add(Integer.toString(values.size()));
            fields.addAll(values);
        }
    }

    /**
     * An ELF program's warm run: its template boots the program with no arguments and no
     * environment; the clone's kernel gets them from the message.
     *
     * @param strings the run's exec path, argv and envp as the boot info would carry them
     */
    record ProgramPlan(ProgramKey key, StringsBlock strings) implements StartPlan {

        /** Bytes of the message before its strings. */
        static final int HEADER_SIZE = 48;
        /**
         * The longest message: the kernel reads it into the I/O buffer and needs a byte more to
         * see its end. Its strings and their pointers (at most 65,536) then fit in the quarter of
         * the default stack that Linux allows them.
         */
        static final long MAX_SIZE = BootRequest.DEFAULT_IO_BUFFER_SIZE - 1;

        @Override
        public List<String> templateArgv() {
            return List.of();
        }

        @Override
        public List<String> templateEnvironment() {
            return List.of();
        }

        @Override
        public List<Mount> templateMounts() {
            return key.mounts();
        }

        @Override
        public boolean kernelStartPoint() {
            return true;
        }

        /**
         * The kernel's start message: magic, real time (ns), 16 random bytes ({@code AT_RANDOM}),
         * argc, envc (u64s, little-endian), then the strings block.
         */
        @Override
        public byte[] message() {
            byte[] random = new byte[16];
            RANDOM.nextBytes(random);
            Instant now = Instant.now();
            return ByteBuffer.allocate(HEADER_SIZE + strings.size()).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(KERNEL_MESSAGE_MAGIC)
                    .putLong(Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano()))
                    .put(random)
                    .putLong(strings.argc())
                    .putLong(strings.envc())
                    .put(strings.bytes())
                    .array();
        }
    }

    /** What a built-in runtime's template runs and how its command lines map onto the stub. */
    private enum Stub {
        PYTHON("python.py", List.of("-c"),
                name -> name.startsWith("PYTHON") || name.startsWith("LC_") || name.equals("LANG")
                        || name.equals("LANGUAGE") || name.equals("HOME"),
                List.of("/usr", "/etc", "/lib", "/lib64")),
        QUICKJS("quickjs.js", List.of("--std", "-e"), name -> false, List.of(GuestRuntime.QUICKJS_MOUNT_POINT));

        private final String resource;
        private final List<String> codeOptions;
        private final Predicate<String> startupVariable;
        private final List<String> startupDirectories;
        private final String source;

        Stub(String resource, List<String> codeOptions, Predicate<String> startupVariable,
                List<String> startupDirectories) {
            this.resource = resource;
            this.codeOptions = codeOptions;
            this.startupVariable = startupVariable;
            this.startupDirectories = startupDirectories;
            this.source = load(resource);
        }

        static Optional<Stub> of(GuestRuntime runtime) {
            if (runtime.equals(GuestRuntime.PYTHON)) {
                return Optional.of(PYTHON);
            }
            if (runtime.equals(GuestRuntime.JAVASCRIPT)) {
                return Optional.of(QUICKJS);
            }
            return Optional.empty();
        }

        private static String load(String resource) {
            try (InputStream in = WarmStart.class.getResourceAsStream("warm-start/" + resource)) {
                if (in == null) {
                    throw new IllegalStateException("the warm-start stub " + resource + " is missing from the jar");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private WarmStart() {}

    /**
     * The plan for {@code command}: an ELF program's ({@link #programPlan}) or a runtime's
     * ({@link #plan}), or empty when it starts cold.
     */
    static Optional<StartPlan> startPlan(GuestCommand command, List<String> environment, List<Mount> mounts,
            Map<GuestRuntime, String> preloads) {
        if (command.runtime().isEmpty()) {
            return programPlan(command, environment, mounts).map(StartPlan.class::cast);
        }
        return plan(command, environment, mounts, preloads).map(StartPlan.class::cast);
    }

    /**
     * The plan for an ELF program's {@code command} (one without a runtime), or empty when its
     * strings are not fit for a message: invalid (the cold start says why) or too long.
     */
    static Optional<ProgramPlan> programPlan(GuestCommand command, List<String> environment, List<Mount> mounts) {
        StringsBlock strings;
        try {
            strings = StringsBlock.encode(command.executablePath(), command.argv(), environment);
        } catch (BootArgumentException e) {
            return Optional.empty();
        }
        if (ProgramPlan.HEADER_SIZE + strings.size() > ProgramPlan.MAX_SIZE) {
            return Optional.empty();
        }
        boolean dynamic = command.executable().dynamic();
        List<Mount> overLibraries = dynamic ? mounts.stream().filter(mount -> LIBRARY_DIRECTORIES.stream()
                .anyMatch(directory -> within(mount.guestPath(), directory) || within(directory, mount.guestPath())))
                .toList() : List.of();
        ProgramKey key = new ProgramKey(TemplateFiles.sha256(command.executable().bytes()), command.executablePath(),
                dynamic ? command.runtimeMount() : Optional.empty(), overLibraries);
        return Optional.of(new ProgramPlan(key, strings));
    }

    /**
     * The plan for {@code command} with {@code environment} ({@code NAME=value}), the run's user
     * mounts and the runtimes' preload code, or empty when it starts cold: no runtime, a runtime
     * without a stub, or a command line the stub cannot take.
     */
    static Optional<Plan> plan(GuestCommand command, List<String> environment, List<Mount> mounts,
            Map<GuestRuntime, String> preloads) {
        if (command.runtime().isEmpty()) {
            return Optional.empty();
        }
        GuestRuntime runtime = command.runtime().get();
        Optional<Stub> stub = Stub.of(runtime);
        if (stub.isEmpty()) {
            return Optional.empty();
        }
        List<String> argv = command.argv();
        List<String> arguments = argv.subList(1, argv.size());
        Optional<Invocation> invocation = switch (stub.get()) {
            case PYTHON -> python(arguments);
            case QUICKJS -> quickJs(arguments, command);
        };
        String preload = preloads.getOrDefault(runtime, "");
        Key key = new Key(runtime,
                environment.stream().filter(entry -> stub.get().startupVariable.test(nameOf(entry))).toList(),
                mounts.stream().filter(mount -> touchesStartup(mount, stub.get())).toList(), preload);
        return invocation.map(i -> new Plan(key, templateArgv(argv.getFirst(), stub.get(), preload), i.script(),
                i.target(), i.programArguments(), argv, environment));
    }

    /** What the stub is to become: a script or code, with the arguments the program sees. */
    private record Invocation(boolean script, String target, List<String> programArguments) {

        Invocation {
            programArguments = List.copyOf(programArguments);
        }
    }

    /** {@code python3 SCRIPT ARGS} and {@code python3 -c CODE ARGS}; no options. */
    private static Optional<Invocation> python(List<String> arguments) {
        if (arguments.size() >= 2 && arguments.getFirst().equals("-c")) {
            List<String> programArguments = new ArrayList<>();
            programArguments.add("-c");
            programArguments.addAll(arguments.subList(2, arguments.size()));
            return Optional.of(new Invocation(false, arguments.get(1), programArguments));
        }
        if (!arguments.isEmpty() && !arguments.getFirst().isEmpty() && !arguments.getFirst().startsWith("-")) {
            return Optional.of(new Invocation(true, arguments.getFirst(), arguments));
        }
        return Optional.empty();
    }

    /** {@code qjs --std SCRIPT ARGS} for a script that is not an ES module, and {@code qjs --std -e CODE ARGS}. */
    private static Optional<Invocation> quickJs(List<String> arguments, GuestCommand command) {
        if (arguments.size() < 2 || !arguments.getFirst().equals("--std")) {
            return Optional.empty();
        }
        if (arguments.size() >= 3 && arguments.get(1).equals("-e")) {
            return Optional.of(new Invocation(false, arguments.get(2), arguments.subList(3, arguments.size())));
        }
        String script = arguments.get(1);
        if (script.startsWith("-") || script.endsWith(".mjs") || !isScriptNotModule(script, command)) {
            return Optional.empty();
        }
        return Optional.of(new Invocation(true, script, arguments.subList(1, arguments.size())));
    }

    private static String nameOf(String variable) {
        int equals = variable.indexOf('=');
        return equals < 0 ? variable : variable.substring(0, equals);
    }

    private static List<String> templateArgv(String interpreter, Stub stub, String preload) {
        List<String> argv = new ArrayList<>();
        argv.add(interpreter);
        argv.addAll(stub.codeOptions);
        argv.add(stub.source);
        if (!preload.isEmpty()) {
            argv.add(preload);
        }
        return argv;
    }

    /** Whether {@code mount} covers, or lies inside, a directory the runtime's start-up reads. */
    private static boolean touchesStartup(Mount mount, Stub stub) {
        String path = mount.guestPath();
        return stub.startupDirectories.stream().anyMatch(directory -> within(path, directory) || within(directory, path));
    }

    private static boolean within(String path, String directory) {
        return path.equals(directory) || directory.equals("/") || path.startsWith(directory + "/");
    }

    /**
     * Whether QuickJS would run {@code script} as a plain script: the host reads it from {@code
     * /app} (anywhere else, the run starts cold) and looks, as qjs does, at its first token.
     */
    private static boolean isScriptNotModule(String script, GuestCommand command) {
        if (command.appDirectory().isEmpty()) {
            return false;
        }
        String prefix = Program.GUEST_DIRECTORY + "/";
        Path directory = command.appDirectory().get();
        Path file = script.startsWith(prefix) ? directory.resolve(script.substring(prefix.length()))
                : script.startsWith("/") ? null : directory.resolve(script);
        if (file == null || !file.normalize().startsWith(directory.normalize())) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return !EsModules.looksLikeModule(in.readNBytes(EsModules.SNIFF_LENGTH));
        } catch (IOException e) {
            return false;
        }
    }

    /** QuickJS's rule for a {@code .js} file: a module when its first token is {@code export}, or {@code import} not followed by {@code (} or {@code .}. */
    static final class EsModules {

        static final int SNIFF_LENGTH = 64 * 1024;

        private EsModules() {}

        static boolean looksLikeModule(byte[] source) {
            int[] at = {0};
            String first = nextToken(source, at);
            if (first.equals("export")) {
                return true;
            }
            if (!first.equals("import")) {
                return false;
            }
            String second = nextToken(source, at);
            return !second.equals("(") && !second.equals(".");
        }

        /** The next identifier or single character after blanks and comments; empty at the end. */
        private static String nextToken(byte[] source, int[] at) {
            int i = at[0];
            while (i < source.length) {
                byte c = source[i];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f') {
                    i++;
                } else if (c == '/' && i + 1 < source.length && source[i + 1] == '/') {
                    while (i < source.length && source[i] != '\n' && source[i] != '\r') {
                        i++;
                    }
                } else if (c == '/' && i + 1 < source.length && source[i + 1] == '*') {
                    int end = indexOf(source, i + 2);
                    i = end < 0 ? source.length : end + 2;
                } else {
                    break;
                }
            }
            if (i >= source.length) {
                at[0] = i;
                return "";
            }
            ByteArrayOutputStream token = new ByteArrayOutputStream();
            while (i < source.length && isIdentifierPart(source[i])) {
                token.write(source[i++]);
            }
            if (token.size() == 0) {
                token.write(source[i++]);
            }
            at[0] = i;
            return token.toString(StandardCharsets.UTF_8);
        }

        private static int indexOf(byte[] source, int from) {
            for (int i = from; i + 1 < source.length; i++) {
                if (source[i] == '*' && source[i + 1] == '/') {
                    return i;
                }
            }
            return -1;
        }

        private static boolean isIdentifierPart(byte c) {
            return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c < 0;
        }
    }
}
