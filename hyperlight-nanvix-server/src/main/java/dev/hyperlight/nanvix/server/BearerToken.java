package dev.hyperlight.nanvix.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The token a request's {@code Authorization: Bearer} header must carry. Compared in constant
 * time over SHA-256 digests, so that neither the content nor the length of the expected token
 * shows in how long a refusal takes.
 */
final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private final byte[] expectedDigest;

    BearerToken(String token) {
        this.expectedDigest = sha256(token);
    }

    /** Whether {@code authorization} (the header's value; {@code null} when absent) carries the token. */
    boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return MessageDigest.isEqual(expectedDigest, sha256(authorization.substring(SCHEME.length()).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
