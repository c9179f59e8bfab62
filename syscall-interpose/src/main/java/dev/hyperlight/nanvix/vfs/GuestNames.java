package dev.hyperlight.nanvix.vfs;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Guest file names are bytes (anything but '/' and NUL); the host VFS names files with Java
 * strings, stored as UTF-8. Two exact, reversible mappings bridge them:
 *
 * <ul>
 *   <li>guest bytes to a guest string ({@link #decode}/{@link #encode}): UTF-8, and each byte that
 *       is not part of valid UTF-8 as the lone surrogate U+DC00 + byte (as Python's
 *       surrogateescape), which valid UTF-8 never decodes to;
 *   <li>guest string to host name ({@link #toHost}/{@link #fromHost}): a lone surrogate cannot be
 *       stored in a UTF-8 host name, so it becomes {@link #ESCAPE} and the byte in two hex digits;
 *       the escape character itself becomes {@link #ESCAPE} "00" (raw bytes are 80..FF), so no two
 *       guest names share a host name.
 * </ul>
 */
public final class GuestNames {

    /** U+F8FF, a private-use character no ordinary file name holds. */
    static final char ESCAPE = '\uF8FF';
    private static final char RAW_BYTE_BASE = '\uDC00';

    private GuestNames() {}

    /** The guest string of the name or path {@code bytes}. */
    public static String decode(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                break;
            }
            // Malformed or unmappable: each of its bytes passes through as a raw byte.
            for (int i = 0; i < result.length(); i++) {
                out.put((char) (RAW_BYTE_BASE + (in.get() & 0xff)));
            }
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** The bytes of guest string {@code guest}: the inverse of {@link #decode}. */
    public static byte[] encode(String guest) {
        if (!hasRawBytes(guest)) {
            return guest.getBytes(StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(guest.length() + 8);
        int start = 0;
        for (int i = 0; i < guest.length(); i++) {
            if (isRawByteAt(guest, i)) {
                out.writeBytes(guest.substring(start, i).getBytes(StandardCharsets.UTF_8));
                out.write(guest.charAt(i) - RAW_BYTE_BASE);
                start = i + 1;
            }
        }
        out.writeBytes(guest.substring(start).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /**
     * {@code guest} on one line for people to read (logs, audit summaries): each byte that is not
     * UTF-8 and each control character as {@code \xNN}, a backslash or a double quote behind a
     * backslash, any other lone surrogate as a backslash-u escape. The result is well-formed Unicode.
     */
    public static String printable(String guest) {
        StringBuilder out = new StringBuilder(guest.length() + 8);
        for (int i = 0; i < guest.length(); i++) {
            char c = guest.charAt(i);
            if (isRawByteAt(guest, i)) {
                out.append(String.format("\\x%02x", c - RAW_BYTE_BASE));
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else if (c == '\\' || c == '"') {
                out.append('\\').append(c);
            } else if (Character.isSurrogate(c) && !isPairedAt(guest, i)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isPairedAt(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** How many bytes {@code guest} has as the guest sees it. */
    public static int byteLength(String guest) {
        return encode(guest).length;
    }

    /** The host name (or symlink text) for guest string {@code guest}. */
    public static String toHost(String guest) {
        if (guest.indexOf(ESCAPE) < 0 && !hasRawBytes(guest)) {
            return guest;
        }
        StringBuilder host = new StringBuilder(guest.length() + 8);
        for (int i = 0; i < guest.length(); i++) {
            char c = guest.charAt(i);
            if (c == ESCAPE) {
                host.append(ESCAPE).append("00");
            } else if (isRawByteAt(guest, i)) {
                host.append(ESCAPE).append(String.format("%02X", c - RAW_BYTE_BASE));
            } else {
                host.append(c);
            }
        }
        return host.toString();
    }

    /** The guest string for host name (or symlink text) {@code host}: the inverse of {@link #toHost}. */
    static String fromHost(String host) {
        if (host.indexOf(ESCAPE) < 0) {
            return host;
        }
        StringBuilder guest = new StringBuilder(host.length());
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            int value = c == ESCAPE ? hexByte(host, i + 1) : -1;
            if (value == 0) {
                guest.append(ESCAPE);
                i += 2;
            } else if (value >= 0x80) {
                guest.append((char) (RAW_BYTE_BASE + value));
                i += 2;
            } else {
                guest.append(c); // not an escape this class wrote: the name as it is
            }
        }
        return guest.toString();
    }

    /** The two upper-case hex digits at {@code at}, or -1. */
    private static int hexByte(String s, int at) {
        if (at + 2 > s.length()) {
            return -1;
        }
        int high = Character.digit(s.charAt(at), 16);
        int low = Character.digit(s.charAt(at + 1), 16);
        boolean upper = !Character.isLowerCase(s.charAt(at)) && !Character.isLowerCase(s.charAt(at + 1));
        return high < 0 || low < 0 || !upper ? -1 : high * 16 + low;
    }

    /**
     * Whether the char at {@code i} stands for a raw byte: in U+DC80..U+DCFF and not the low half
     * of a surrogate pair (a character beyond U+FFFF), which {@link #decode} never puts a raw byte
     * after.
     */
    private static boolean isRawByteAt(String s, int i) {
        char c = s.charAt(i);
        return c >= RAW_BYTE_BASE + 0x80 && c <= RAW_BYTE_BASE + 0xff
                && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
    }

    private static boolean hasRawBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isRawByteAt(s, i)) {
                return true;
            }
        }
        return false;
    }
}
