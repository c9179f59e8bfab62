package dev.hyperlight.nanvix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one run starts, decided on the host before any VM exists: the executable the guest kernel
 * loads, its command line, and the directories the guest sees besides {@code /tmp}.
 *
 * @param executable the ELF file the kernel loads: the program itself or a runtime's interpreter
 * @param executablePath its path in the guest (the exec path)
 * @param argv the full command line, {@code argv[0]} included
 * @param appDirectory the host directory mounted read-only at {@code /app}, the working
 *     directory; empty when there is none (code strings), and the guest starts in {@code /tmp}
 * @param runtimeMount the runtime's image, when a runtime runs, or the base image at {@code /} for a
 *     dynamically linked program
 * @param runtime the runtime that runs, if one does (not for an ELF program)
 */
record GuestCommand(Program executable, String executablePath, List<String> argv, Optional<Path> appDirectory,
        Optional<Mount> runtimeMount, Optional<GuestRuntime> runtime) {

    GuestCommand {
        argv = List.copyOf(argv);
    }

    /** {@code file} run by what its type says: an ELF runs itself, a script its built-in runtime. */
    static GuestCommand forFile(Path file, List<String> args, RuntimeImages images, long memorySize)
            throws SandboxException {
        if (Program.isElf(file)) {
            Program program = Program.load(file, memorySize);
            String guestPath = Program.guestPathOf(file);
            List<String> argv = new ArrayList<>();
            argv.add(guestPath);
            argv.addAll(args);
            // A dynamically linked program's loader and libraries come from the base image at /.
            Optional<Mount> libraries = program.dynamic()
                    ? Optional.of(Mount.readOnly("/", images.locate(RuntimeImage.Debian.BASE, RuntimeImages.BASE_USER)))
                    : Optional.empty();
            return new GuestCommand(program, guestPath, argv, Optional.of(Program.directoryOf(file)), libraries,
                    Optional.empty());
        }
        Optional<GuestRuntime> runtime = GuestRuntime.forFile(file);
        if (runtime.isEmpty()) {
            throw new SandboxException(SandboxException.Reason.UNKNOWN_FILE_TYPE, "cannot run " + file
                    + ": unknown file type (expected an x86-64 Linux ELF executable or a script: " + knownExtensions() + ")");
        }
        return forScript(runtime.get(), file, args, images, memorySize);
    }

    /**
     * This command with the program's guest path taken from a mount that contains the program
     * file, when one does and that guest path is not covered by another mount: a program run by
     * host path from inside a mounted directory (an image mounted at {@code /}, say) then knows
     * itself by a path the guest can open and run again ({@code argv[0]}, {@code AT_EXECFN},
     * Python's {@code sys.executable}, which subprocess spawns). Otherwise unchanged.
     */
    GuestCommand locatedIn(List<Mount> mounts) {
        if (appDirectory.isEmpty() || !argv.getFirst().equals(executablePath)) {
            return this;
        }
        Path file;
        try {
            file = executable.hostPath().toRealPath();
        } catch (IOException e) {
            return this;
        }
        for (Mount mount : mounts) {
            Optional<String> guestPath = guestPathIn(mount, file);
            if (guestPath.isPresent() && mounts.stream().noneMatch(other -> other != mount
                    && other.guestPath().length() > mount.guestPath().length() && covers(other, guestPath.get()))) {
                List<String> renamed = new ArrayList<>(argv);
                renamed.set(0, guestPath.get());
                return new GuestCommand(executable, guestPath.get(), renamed, appDirectory, runtimeMount, runtime);
            }
        }
        return this;
    }

    private static Optional<String> guestPathIn(Mount mount, Path file) {
        try {
            Path root = mount.hostDir().toRealPath();
            if (!file.startsWith(root)) {
                return Optional.empty();
            }
            String relative = root.relativize(file).toString();
            return Optional.of(mount.guestPath().equals("/") ? "/" + relative : mount.guestPath() + "/" + relative);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean covers(Mount mount, String guestPath) {
        return guestPath.equals(mount.guestPath()) || guestPath.startsWith(mount.guestPath() + "/");
    }

    /**
     * This command started with {@code argv} instead, without {@code /app} (so in {@code /tmp}):
     * a warm-start template's command.
     */
    GuestCommand asTemplate(List<String> argv) {
        return new GuestCommand(executable, executablePath, argv, Optional.empty(), runtimeMount, runtime);
    }

    /** {@code script} run by {@code runtime}: {@code interpreter OPTIONS /app/SCRIPT ARGS...}. */
    static GuestCommand forScript(GuestRuntime runtime, Path script, List<String> args, RuntimeImages images,
            long memorySize) throws SandboxException {
        Program.checkReadableFile(script);
        GuestRuntime.ScriptType type = runtime.scriptType(script).orElseThrow(() -> new SandboxException(
                SandboxException.Reason.UNKNOWN_FILE_TYPE, "cannot run " + script + " with " + runtime.name()
                        + ": it runs " + extensions(runtime) + " files"));
        List<String> argv = runtime.scriptCommandLine(type, Program.guestPathOf(script), args);
        return withRuntime(runtime, argv, Optional.of(Program.directoryOf(script)), images, memorySize);
    }

    /** {@code code} run by {@code runtime}, with no {@code /app}: the guest starts in {@code /tmp}. */
    static GuestCommand forCode(GuestRuntime runtime, String code, List<String> args, RuntimeImages images,
            long memorySize) throws SandboxException {
        return withRuntime(runtime, runtime.codeCommandLine(code, args), Optional.empty(), images, memorySize);
    }

    /** {@code runtime}'s interpreter with {@code arguments} as its whole command line. */
    static GuestCommand forInterpreter(GuestRuntime runtime, Path workingDirectory, List<String> arguments,
            RuntimeImages images, long memorySize) throws SandboxException {
        if (!Files.isDirectory(workingDirectory)) {
            throw new SandboxException(SandboxException.Reason.PROGRAM_NOT_FOUND,
                    "cannot use " + workingDirectory + " as the working directory: it is not a directory");
        }
        List<String> argv = new ArrayList<>();
        argv.add(runtime.interpreterGuestPath());
        argv.addAll(arguments);
        return withRuntime(runtime, argv, Optional.of(workingDirectory.toAbsolutePath()), images, memorySize);
    }

    private static GuestCommand withRuntime(GuestRuntime runtime, List<String> argv, Optional<Path> appDirectory,
            RuntimeImages images, long memorySize) throws SandboxException {
        Path imageDirectory = images.locate(runtime);
        Program interpreter = images.interpreter(imageDirectory.resolve(runtime.interpreter()), memorySize);
        return new GuestCommand(interpreter, runtime.interpreterGuestPath(), argv, appDirectory,
                Optional.of(Mount.readOnly(runtime.mountPoint(), imageDirectory)), Optional.of(runtime));
    }

    /** Each extension once: two runtimes may take one (Node and QuickJS both run .js files). */
    private static String knownExtensions() {
        return GuestRuntime.BUILT_IN.stream().flatMap(runtime -> runtime.scriptTypes().stream())
                .map(GuestRuntime.ScriptType::extension).distinct().collect(Collectors.joining(", "));
    }

    private static String extensions(GuestRuntime runtime) {
        return runtime.scriptTypes().stream().map(GuestRuntime.ScriptType::extension).collect(Collectors.joining(", "));
    }
}
