package dev.hyperlight.nanvix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A language runtime the guest runs scripts with: an interpreter executable, the files it needs
 * (its {@linkplain RuntimeImage image}, mounted read-only in the guest at {@link #mountPoint()}),
 * and how a script file or a code string becomes the interpreter's command line.
 *
 * <p>For a script {@code FILE} of a known type the guest runs {@code interpreter OPTIONS FILE
 * ARGS...}, where {@code OPTIONS} are the {@link ScriptType#options()} of its extension; for code
 * given as a string it runs {@code interpreter CODE_OPTIONS CODE ARGS...}. For QuickJS
 * ({@link #JAVASCRIPT}): {@code qjs --std FILE}, {@code qjs --std --module FILE.mjs} and {@code qjs
 * --std -e CODE}.
 *
 * <p>Named {@code GuestRuntime}, not {@code Runtime}, so that {@code import dev.hyperlight.nanvix.*}
 * does not clash with {@code java.lang.Runtime}.
 *
 * @param name what users call it, e.g. {@code javascript}; {@link #named(String)} also accepts
 *     the {@code aliases}
 * @param aliases other names, e.g. {@code js}
 * @param image where the interpreter and its files come from
 * @param mountPoint canonical guest path where the image is mounted read-only, e.g. {@code
 *     /usr/lib/hyperlight/quickjs} or {@code /} (the image is then the guest's root)
 * @param interpreter the executable's path relative to the image, e.g. {@code bin/qjs}
 * @param scriptTypes the script file types this runtime runs, by extension
 * @param codeOptions what comes before a code string on the command line, e.g. {@code --std -e}
 */
public record GuestRuntime(
        String name,
        List<String> aliases,
        RuntimeImage image,
        String mountPoint,
        String interpreter,
        List<ScriptType> scriptTypes,
        List<String> codeOptions) {

    /** Where the QuickJS image is mounted in the guest. */
    public static final String QUICKJS_MOUNT_POINT = "/usr/lib/hyperlight/quickjs";

    /**
     * QuickJS 2021-03-27, built from source by the guest-runtimes module (a static {@code qjs}),
     * bundled in the artifact {@code runtime-image-quickjs}. The {@code std} and {@code os} modules are imported as
     * globals ({@code --std}); {@code .mjs} files run as ES modules, {@code .js} files as scripts
     * unless QuickJS detects an {@code import}/{@code export}.
     */
    public static final GuestRuntime JAVASCRIPT = new GuestRuntime(
            "javascript",
            List.of("js", "quickjs", "qjs"),
            new RuntimeImage.Bundled(RuntimeImages.RESOURCE_FOLDER + "/quickjs"),
            QUICKJS_MOUNT_POINT,
            "bin/qjs",
            List.of(new ScriptType(".js", List.of("--std")), new ScriptType(".mjs", List.of("--std", "--module"))),
            List.of("--std", "-e"));

    /**
     * Debian's CPython 3.11 (python3.11-minimal and libpython3.11-stdlib, unmodified) with its
     * whole standard library; the image is the guest's root. Started without {@code -I}/{@code -E}:
     * the guest environment holds only the variables the caller set (nothing comes from the host),
     * so a {@code PYTHON*} variable there is deliberate, and the script's directory stays first on
     * {@code sys.path} so that a script can import its neighbours.
     */
    public static final GuestRuntime PYTHON = new GuestRuntime(
            "python",
            List.of("python3", "python3.11", "py", "cpython"),
            new RuntimeImage.Debian("python"),
            "/",
            "usr/bin/python3.11",
            List.of(new ScriptType(".py", List.of())),
            List.of("-c"));

    /**
     * Debian's Node.js 18 (nodejs and libnode108, unmodified: V8, libuv, OpenSSL, ICU); the image
     * is the guest's root, in the artifact {@code runtime-image-node}. Only {@code .cjs} files
     * pick it by name: {@code .js} and {@code .mjs} stay with {@link #JAVASCRIPT}, so run them
     * with {@code Sandbox.run(GuestRuntime.NODE, file)} to have Node run them.
     */
    public static final GuestRuntime NODE = new GuestRuntime(
            "node",
            List.of("nodejs"),
            new RuntimeImage.Debian("node"),
            "/",
            "usr/bin/node",
            List.of(new ScriptType(".cjs", List.of()), new ScriptType(".js", List.of()), new ScriptType(".mjs", List.of())),
            List.of("-e"));

    /**
     * The runtimes this library knows by name and by file type; for a file type two of them
     * share, the first listed wins ({@code .js}: {@link #JAVASCRIPT}).
     */
    public static final List<GuestRuntime> BUILT_IN = List.of(JAVASCRIPT, PYTHON, NODE);

    public GuestRuntime {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        aliases = List.copyOf(aliases);
        scriptTypes = List.copyOf(scriptTypes);
        codeOptions = List.copyOf(codeOptions);
        // The same check the run's mount will make, done now so a bad runtime fails at once.
        Mount.readOnly(mountPoint, Path.of("/"));
        if (interpreter.isEmpty() || interpreter.startsWith("/") || Path.of(interpreter).normalize().startsWith("..")) {
            throw new IllegalArgumentException("interpreter '" + interpreter + "' must be a path inside the image");
        }
    }

    /**
     * One kind of script file.
     *
     * @param extension the file name's ending, with its dot, e.g. {@code .mjs}
     * @param options what comes between the interpreter and the script's path
     */
    public record ScriptType(String extension, List<String> options) {
        public ScriptType {
            if (!extension.startsWith(".") || extension.length() < 2) {
                throw new IllegalArgumentException("extension '" + extension + "' must start with a dot");
            }
            options = List.copyOf(options);
        }
    }

    /** The built-in runtime called {@code name} or one of its aliases (case-insensitive). */
    public static Optional<GuestRuntime> named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return BUILT_IN.stream().filter(r -> r.name.equals(wanted) || r.aliases.contains(wanted)).findFirst();
    }

    /** The built-in runtime that runs files like {@code script}, by its extension. */
    public static Optional<GuestRuntime> forFile(Path script) {
        return BUILT_IN.stream().filter(r -> r.scriptType(script).isPresent()).findFirst();
    }

    /** Every name {@link #named(String)} accepts, for messages. */
    public static List<String> knownNames() {
        List<String> names = new ArrayList<>();
        BUILT_IN.forEach(r -> {
            names.add(r.name);
            names.addAll(r.aliases);
        });
        return names;
    }

    /** The type of {@code script} for this runtime, by its file name's extension. */
    public Optional<ScriptType> scriptType(Path script) {
        Path fileName = script.getFileName();
        if (fileName == null) {
            return Optional.empty();
        }
        String lower = fileName.toString().toLowerCase(Locale.ROOT);
        // The longest match wins: ".mjs" also ends with ".js".
        return scriptTypes.stream().filter(t -> lower.endsWith(t.extension()))
                .max(Comparator.comparingInt(t -> t.extension().length()));
    }

    /** The interpreter's path in the guest. */
    public String interpreterGuestPath() {
        return (mountPoint.equals("/") ? "" : mountPoint) + "/" + interpreter;
    }

    /** The guest command line for {@code scriptGuestPath} of {@code type}, then {@code args}. */
    List<String> scriptCommandLine(ScriptType type, String scriptGuestPath, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(interpreterGuestPath());
        argv.addAll(type.options());
        argv.add(scriptGuestPath);
        argv.addAll(args);
        return argv;
    }

    /** The guest command line that runs {@code code}, then {@code args}. */
    List<String> codeCommandLine(String code, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(interpreterGuestPath());
        argv.addAll(codeOptions);
        argv.add(code);
        argv.addAll(args);
        return argv;
    }
}
