package dev.hyperlight.nanvix.server;

/**
 * A request the server refuses or could not serve, answered with {@link #status()} and a JSON
 * body {@code {"error": code, "message": message}}.
 */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiError invalid(String message) {
        return new ApiError(400, "invalid_request", message);
    }

    int status() {
        return status;
    }

    /** A stable name for the kind of refusal, e.g. {@code invalid_request}, for programs to switch on. */
    String code() {
        return code;
    }
}
