import dev.hyperlight.nanvix.RunResult;
import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.Sandbox;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Runs each program ROUNDS times through the library (one Sandbox, a fresh VM per run) and prints
 * the best and the median of RunResult.duration(), the time from VM creation to the guest's exit.
 * Usage (from the repository root, after a build):
 *   java --enable-native-access=ALL-UNNAMED -cp "hyperlight-cli/target/hyperlight-cli.jar:hyperlight-cli/target/lib/*" \
 *       benchmarks/RunTimes.java ROUNDS PROGRAM...
 */
public class RunTimes {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        try (Sandbox sandbox = new Sandbox(RuntimeConfig.builder().build())) {
            for (String program : Arrays.copyOfRange(args, 1, args.length)) {
                double[] millis = new double[rounds];
                for (int i = 0; i < rounds; i++) {
                    RunResult result = sandbox.run(Path.of(program));
                    millis[i] = result.duration().toNanos() / 1e6;
                }
                Arrays.sort(millis);
                System.out.printf("%-45s best %7.1f ms  median %7.1f ms  (%d runs)%n", program, millis[0],
                        millis[rounds / 2], rounds);
            }
        }
    }
}
