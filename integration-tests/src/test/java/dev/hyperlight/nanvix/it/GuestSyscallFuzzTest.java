package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.it.GuestFuzzCampaign.VmRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short campaign of the guest-side system-call fuzzer in every build (guests/syscall-fuzz.c,
 * docs/security.md "Fuzzing"): fixed seeds, which make the same calls in every build, then seeds
 * derived from a random campaign seed, printed and named in any failure. {@code -Dfuzz.seed=S}
 * repeats a campaign, {@code -Dfuzz.runs} and {@code -Dfuzz.calls} size it, {@code
 * -Dfuzz.timeout} (seconds) gives each VM its time; benchmarks/fuzz-guest runs long campaigns.
 */
class GuestSyscallFuzzTest {

    private static final long[] FIXED_SEEDS = {1, 2, 3, 19, 0x2a, 0x5eed, 0xdecaf, 0xc0ffee, 0xdeadbeefL,
        0x0123456789abcdefL};

    @TempDir
    Path tmp;

    @Test
    void aShortCampaignNeverFailsTheHostOrTheGuestKernelAndLeaksNothing() throws Exception {
        String given = System.getProperty("fuzz.seed");
        long campaignSeed = given != null ? GuestFuzzCampaign.parseSeed(given) : GuestFuzzCampaign.randomSeed();
        int randomRuns = Integer.getInteger("fuzz.runs", 10);
        int calls = Integer.getInteger("fuzz.calls", 500);
        Duration timeout = Duration.ofSeconds(Integer.getInteger("fuzz.timeout", 20));
        String seed = GuestFuzzCampaign.hex(campaignSeed);
        String campaign = "guest fuzz campaign seed " + seed + " (repeat it with -Dfuzz.seed=" + seed + ")";
        System.out.println(campaign);

        List<VmRun> runs = new ArrayList<>();
        HostResources before;
        HostResources after;
        try (GuestFuzzCampaign fuzzing = new GuestFuzzCampaign(Guests.guest("syscall-fuzz"), tmp, timeout)) {
            // The first run also warms up class loading, JIT threads and the signal handler.
            runs.add(fuzzing.run(0, FIXED_SEEDS[0], calls));
            before = HostResources.now();
            for (int i = 1; i < FIXED_SEEDS.length; i++) {
                runs.add(fuzzing.run(i, FIXED_SEEDS[i], calls));
            }
            for (int i = 0; i < randomRuns; i++) {
                int index = FIXED_SEEDS.length + i;
                runs.add(fuzzing.run(index, GuestFuzzCampaign.vmSeed(campaignSeed, i), calls));
            }
            after = HostResources.now();
        }
        runs.forEach(run -> System.out.println(run.describe()));
        Map<String, Long> endings = runs.stream()
                .collect(Collectors.groupingBy(GuestFuzzCampaign::kind, TreeMap::new, Collectors.counting()));
        System.out.println(campaign + ": " + runs.size() + " VMs, endings " + endings);

        List<String> findings = runs.stream().filter(run -> run.finding().isPresent())
                .map(run -> run.describe() + "\n  reproduce: " + run.command() + " trace").toList();
        assertThat(findings).as(campaign).isEmpty();
        assertThat(GuestFuzzCampaign.leak(before, after)).as(campaign).isEmpty();
        try (var left = Files.list(tmp)) {
            assertThat(left).as("run directories left by " + campaign).isEmpty();
        }
        // The fuzzer itself works: some runs get through all their calls, not just to the first fatal one.
        assertThat(runs).as(campaign).filteredOn(VmRun::madeAllCalls).isNotEmpty();
    }
}
