package dev.hyperlight.nanvix.server;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link SandboxServer} listens and whom it serves; the runs' limits and policy are its
 * {@link dev.hyperlight.nanvix.RuntimeConfig}.
 *
 * @param bind the address to listen on; the loopback address unless the service must be reached
 *     from elsewhere
 * @param port the TCP port; 0 for any free one ({@link SandboxServer#port()} tells which)
 * @param token the bearer token every run request must carry; empty: none is asked for
 * @param maxConcurrentRuns runs at once; a request beyond them is answered 429 at once
 * @param maxRequestBytes the largest request body; a larger one is answered 413 unread
 */
public record ServerOptions(InetAddress bind, int port, Optional<String> token, int maxConcurrentRuns,
        int maxRequestBytes) {

    /** The default {@link #port()}. */
    public static final int DEFAULT_PORT = 8080;
    /** The default {@link #maxConcurrentRuns()}. */
    public static final int DEFAULT_MAX_CONCURRENT_RUNS = 4;
    /** The default {@link #maxRequestBytes()}: 1 MiB, code and arguments together. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 1 << 20;

    /**
     * Checks every part.
     *
     * @throws IllegalArgumentException for a port outside 0-65535, a blank token or one with
     *     characters a header cannot carry, or a bound below 1
     */
    public ServerOptions {
        Objects.requireNonNull(bind, "bind must not be null");
        Objects.requireNonNull(token, "token must not be null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0-65535");
        }
        token.ifPresent(ServerOptions::checkToken);
        if (maxConcurrentRuns < 1) {
            throw new IllegalArgumentException("the most concurrent runs must be at least 1, not " + maxConcurrentRuns);
        }
        if (maxRequestBytes < 1) {
            throw new IllegalArgumentException("the largest request must be at least 1 byte, not " + maxRequestBytes);
        }
    }

    /** Loopback, {@link #DEFAULT_PORT}, no token, the default bounds. */
    public static ServerOptions defaults() {
        return new ServerOptions(InetAddress.getLoopbackAddress(), DEFAULT_PORT, Optional.empty(),
                DEFAULT_MAX_CONCURRENT_RUNS, DEFAULT_MAX_REQUEST_BYTES);
    }

    /** These options listening on {@code port}. */
    public ServerOptions withPort(int port) {
        return new ServerOptions(bind, port, token, maxConcurrentRuns, maxRequestBytes);
    }

    /** These options asking for {@code token}. */
    public ServerOptions withToken(String token) {
        return new ServerOptions(bind, port, Optional.of(token), maxConcurrentRuns, maxRequestBytes);
    }

    /** These options with at most {@code runs} runs at once. */
    public ServerOptions withMaxConcurrentRuns(int runs) {
        return new ServerOptions(bind, port, token, runs, maxRequestBytes);
    }

    /** These options with request bodies of at most {@code bytes}. */
    public ServerOptions withMaxRequestBytes(int bytes) {
        return new ServerOptions(bind, port, token, maxConcurrentRuns, bytes);
    }

    /** These options listening on {@code address}. */
    public ServerOptions withBind(InetAddress address) {
        return new ServerOptions(address, port, token, maxConcurrentRuns, maxRequestBytes);
    }

    private static void checkToken(String token) {
        if (token.isBlank()) {
            throw new IllegalArgumentException("the token must not be empty");
        }
        // RFC 6750's b64token plus the characters tokens are commonly made of: a header carries it as it is.
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the token must be printable ASCII without spaces");
        }
    }
}
