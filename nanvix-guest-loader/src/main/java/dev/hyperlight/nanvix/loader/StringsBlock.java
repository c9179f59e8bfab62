package dev.hyperlight.nanvix.loader;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The strings block the boot info points to: {@code exec_path\0 argv[0]\0 ... envp[envc-1]\0},
 * each string UTF-8 encoded, back to back, with nothing before, between or after them.
 */
public final class StringsBlock {

    /** Linux's default ARG_MAX (a quarter of an 8 MiB stack). */
    public static final int MAX_SIZE = 2 << 20;
    /** The guest kernel's bound on argc + envc. */
    public static final int MAX_STRINGS = 1 << 16;

    private final byte[] bytes;
    private final int argc;
    private final int envc;

    private StringsBlock(byte[] bytes, int argc, int envc) {
        this.bytes = bytes;
        this.argc = argc;
        this.envc = envc;
    }

    public static StringsBlock encode(String execPath, List<String> argv, List<String> envp)
            throws BootArgumentException {
        if (argv.size() + envp.size() > MAX_STRINGS) {
            throw new BootArgumentException("there are " + (argv.size() + envp.size())
                    + " arguments and environment entries, more than the limit of " + MAX_STRINGS);
        }
        if (execPath.isEmpty()) {
            throw new BootArgumentException("the program path is empty");
        }
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        append(block, execPath, "the program path");
        for (int i = 0; i < argv.size(); i++) {
            append(block, argv.get(i), "argument " + i);
        }
        for (int i = 0; i < envp.size(); i++) {
            append(block, envp.get(i), "environment entry " + i);
        }
        return new StringsBlock(block.toByteArray(), argv.size(), envp.size());
    }

    private static void append(ByteArrayOutputStream block, String value, String what)
            throws BootArgumentException {
        if (value.indexOf('\0') >= 0) {
            throw new BootArgumentException(what + " contains a NUL character");
        }
        byte[] encoded;
        try {
            ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(value));
            encoded = new byte[buffer.remaining()];
            buffer.get(encoded);
        } catch (CharacterCodingException e) {
            throw new BootArgumentException(what + " is not valid Unicode (a lone surrogate)");
        }
        if ((long) block.size() + encoded.length + 1 > MAX_SIZE) {
            throw new BootArgumentException("the program path, arguments and environment are "
                    + "larger than the limit of " + ByteSizes.describe(MAX_SIZE));
        }
        block.writeBytes(encoded);
        block.write(0);
    }

    public int size() {
        return bytes.length;
    }

    public int argc() {
        return argc;
    }

    public int envc() {
        return envc;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    void writeTo(MemorySegment ram, long gpa) {
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, gpa, bytes.length);
    }
}
