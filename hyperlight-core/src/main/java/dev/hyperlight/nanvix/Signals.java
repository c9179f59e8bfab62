package dev.hyperlight.nanvix;

/** Names of the Linux signals a guest fault can map to. */
final class Signals {

    private Signals() {}

    static String name(int signal) {
        return switch (signal) {
            case 4 -> "SIGILL";
            case 5 -> "SIGTRAP";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            default -> "signal " + signal;
        };
    }
}
