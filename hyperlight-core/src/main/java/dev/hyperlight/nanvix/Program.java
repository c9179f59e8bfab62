package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.loader.ElfFile;
import dev.hyperlight.nanvix.loader.ElfFormatException;
import dev.hyperlight.nanvix.loader.ElfLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An executable checked on the host before any VM exists: it exists, is readable, is of a type
 * we can run, and (for ELF) passes validation. Every refusal is one sentence naming the file.
 *
 * @param hostPath where it is on the host
 * @param bytes its content
 * @param dynamic whether it names an interpreter (PT_INTERP): it then needs the base runtime image
 */
record Program(Path hostPath, byte[] bytes, boolean dynamic) {

    /** Where the program's own directory is mounted, read-only, in the guest. */
    static final String GUEST_DIRECTORY = "/app";
    /** Largest program accepted; the guest needs room for it next to the kernel. */
    static final long MAX_SIZE = 1L << 30;
    private static final int ELF_MAGIC_LENGTH = 4;

    static Program load(Path path, long memorySize) throws SandboxException {
        byte[] bytes = read(path);
        if (!ElfFile.hasElfMagic(bytes)) {
            throw refuse(SandboxException.Reason.UNKNOWN_FILE_TYPE, path,
                    "unknown file type (expected an x86-64 Linux ELF executable)");
        }
        try {
            ElfFile elf = ElfFile.parse(bytes, ElfLimits.forProgram(memorySize));
            return new Program(path, bytes, elf.interpreter().isPresent());
        } catch (ElfFormatException e) {
            throw refuse(SandboxException.Reason.MALFORMED_PROGRAM, path, e.getMessage());
        }
    }

    /** Whether {@code path} starts like an ELF file; refuses a missing or unreadable file. */
    static boolean isElf(Path path) throws SandboxException {
        checkReadableFile(path);
        try (InputStream in = Files.newInputStream(path)) {
            return ElfFile.hasElfMagic(in.readNBytes(ELF_MAGIC_LENGTH));
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    /** Refuses {@code path} unless it is a readable file (not a directory). */
    static void checkReadableFile(Path path) throws SandboxException {
        if (Files.isDirectory(path)) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "it is a directory");
        }
        if (!Files.exists(path)) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "no such file");
        }
        if (!Files.isReadable(path)) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "permission denied");
        }
    }

    private static byte[] read(Path path) throws SandboxException {
        checkReadableFile(path);
        try {
            if (Files.size(path) > MAX_SIZE) {
                throw refuse(SandboxException.Reason.MALFORMED_PROGRAM, path, "it is larger than 1 GiB");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw unreadable(path, e);
        }
    }

    private static SandboxException unreadable(Path path, IOException e) {
        return switch (e) {
            case NoSuchFileException missing -> refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "no such file");
            case AccessDeniedException denied -> refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "permission denied");
            default -> refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, String.valueOf(e.getMessage()));
        };
    }

    /** The host directory that holds {@code file}. */
    static Path directoryOf(Path file) {
        Path absolute = file.toAbsolutePath();
        return absolute.getParent() != null ? absolute.getParent() : absolute.getRoot();
    }

    /** {@code file}'s path inside the guest, where its directory is mounted at {@link #GUEST_DIRECTORY}. */
    static String guestPathOf(Path file) {
        return GUEST_DIRECTORY + "/" + file.getFileName();
    }

    private static SandboxException refuse(SandboxException.Reason reason, Path path, String why) {
        return new SandboxException(reason, "cannot run " + path + ": " + why);
    }
}
