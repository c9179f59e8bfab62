package dev.hyperlight.nanvix;

/** What a guest environment variable may be: the checks {@link RuntimeConfig} and {@link RunRequest} share. */
final class EnvironmentVariables {

    private EnvironmentVariables() {}

    static String checkName(String name) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + name
                    + "' is not an environment variable name (empty, or contains '=' or NUL)");
        }
        return name;
    }

    static String checkValue(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment values must not contain NUL");
        }
        return value;
    }
}
