package dev.hyperlight.nanvix.cli;

/** Entry point of the {@code hyperlight-nanvix} command. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(RunCommand.execute(args, System.in, System.out, System.err));
    }
}
