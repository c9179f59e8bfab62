package dev.hyperlight.nanvix;

import dev.hyperlight.nanvix.loader.ElfFile;
import dev.hyperlight.nanvix.loader.ElfFormatException;
import dev.hyperlight.nanvix.loader.ElfLimits;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A program file checked on the host before any VM exists: it exists, is readable, is of a type
 * we can run, and (for ELF) passes validation. Every refusal is one sentence naming the file.
 *
 * @param hostPath where it is on the host
 * @param bytes its content
 */
record Program(Path hostPath, byte[] bytes) {

    /** Where the program's own directory is mounted, read-only, in the guest. */
    static final String GUEST_DIRECTORY = "/app";
    /** Largest program accepted; the guest needs room for it next to the kernel. */
    static final long MAX_SIZE = 1L << 30;

    static Program load(Path path, long memorySize) throws SandboxException {
        if (Files.isDirectory(path)) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "it is a directory");
        }
        byte[] bytes;
        try {
            if (Files.size(path) > MAX_SIZE) {
                throw refuse(SandboxException.Reason.MALFORMED_PROGRAM, path, "it is larger than 1 GiB");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "no such file");
        } catch (AccessDeniedException e) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, "permission denied");
        } catch (IOException e) {
            throw refuse(SandboxException.Reason.PROGRAM_NOT_FOUND, path, e.getMessage());
        }
        if (!ElfFile.hasElfMagic(bytes)) {
            throw refuse(SandboxException.Reason.UNKNOWN_FILE_TYPE, path,
                    "unknown file type (expected an x86-64 Linux ELF executable)");
        }
        try {
            ElfFile.parse(bytes, ElfLimits.forProgram(memorySize));
        } catch (ElfFormatException e) {
            throw refuse(SandboxException.Reason.MALFORMED_PROGRAM, path, e.getMessage());
        }
        return new Program(path, bytes);
    }

    /** The program's path inside the guest: its directory is mounted at {@link #GUEST_DIRECTORY}. */
    String guestPath() {
        return GUEST_DIRECTORY + "/" + hostPath.getFileName();
    }

    /** The host directory that holds the program. */
    Path hostDirectory() {
        Path parent = hostPath.toAbsolutePath().getParent();
        return parent != null ? parent : hostPath.toAbsolutePath().getRoot();
    }

    private static SandboxException refuse(SandboxException.Reason reason, Path path, String why) {
        return new SandboxException(reason, "cannot run " + path + ": " + why);
    }
}
