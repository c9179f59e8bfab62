package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The manifests of deploy/kubernetes and deploy/Containerfile, parsed and held to what
 * docs/deploy.md promises: a pod that runs as a non-root user on a read-only root file system
 * with no privilege, /dev/kvm from a device plugin, `serve` started with flags it has (from its
 * own --help), probes on /health at the port it listens on, writable directories only where
 * they are mounted, resources that hold the concurrency bound's worst case, and the Service,
 * NetworkPolicy, PodDisruptionBudget and HorizontalPodAutoscaler pointing at the same pods.
 * No cluster is needed.
 */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class KubernetesManifestsTest {

    private static final Path DEPLOY = Path.of(System.getProperty("deploy.dir", "../deploy"));

    /** The resource names of the common KVM device plugins (docs/deploy.md). */
    private static final Set<String> KVM_RESOURCES =
            Set.of("devices.kubevirt.io/kvm", "smarter-devices/kvm", "squat.ai/kvm");

    /** docs/benchmarks.md, `liveSandboxes`: the most a process grew per idle CPython sandbox. */
    private static final long IDLE_CPYTHON_SANDBOX = 21L << 20;

    private static final YAMLMapper YAML = new YAMLMapper();

    /** Each manifest by its kind (each kind once). */
    private static Map<String, JsonNode> manifests;
    private static JsonNode pod;
    private static JsonNode container;
    private static Map<String, String> flags;

    @BeforeAll
    static void parseManifests() throws IOException {
        manifests = new HashMap<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                JsonNode manifest = YAML.readTree(file.toFile());
                assertThat(manifests.put(manifest.path("kind").asText(), manifest)).as("kind of %s", file).isNull();
            }
        }
        pod = manifests.get("Deployment").path("spec").path("template").path("spec");
        assertThat(pod.path("containers")).hasSize(1);
        container = pod.path("containers").get(0);
        flags = flags(strings(container.path("args")));
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        assertThat(manifests.keySet()).containsExactlyInAnyOrder("Kustomization", "ServiceAccount", "Deployment",
                "Service", "NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler");
        List<String> others;
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            others = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml"))
                    .toList();
        }
        assertThat(strings(manifests.get("Kustomization").path("resources"))).containsExactlyInAnyOrderElementsOf(others);
    }

    @Test
    void thePodRunsAsANonRootUserWithoutPrivilegeOnAReadOnlyRoot() {
        JsonNode podSecurity = pod.path("securityContext");
        assertThat(podSecurity.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(podSecurity.path("runAsUser").asLong()).isPositive();
        assertThat(podSecurity.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(manifests.get("ServiceAccount").path("automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.has("hostNetwork") || pod.has("hostPID") || pod.has("hostIPC")).isFalse();
        assertThat(pod.path("volumes").findValues("hostPath")).as("no host directory").isEmpty();

        JsonNode security = container.path("securityContext");
        assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(security.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(security.path("privileged").asBoolean()).isFalse();
        assertThat(strings(security.path("capabilities").path("drop"))).containsExactly("ALL");
        assertThat(security.path("capabilities").has("add")).isFalse();
    }

    @Test
    void devKvmComesFromAKvmDevicePlugin() {
        JsonNode limits = container.path("resources").path("limits");
        List<String> kvm = new ArrayList<>();
        limits.fieldNames().forEachRemaining(name -> {
            if (name.endsWith("/kvm")) {
                kvm.add(name);
            }
        });
        assertThat(kvm).hasSize(1);
        assertThat(KVM_RESOURCES).contains(kvm.getFirst());
        assertThat(limits.path(kvm.getFirst()).asText()).isEqualTo("1");
    }

    @Test
    void serveGetsOnlyFlagsItHas() throws Exception {
        assertThat(strings(container.path("args")).getFirst()).isEqualTo("serve");
        assertThat(serveHelpFlags()).containsAll(flags.keySet());
        assertThat(flags).containsKeys("--bind", "--port", "--token-file", "--max-concurrent", "--memory", "--timeout",
                "--tmp-quota", "--template-cache");
        assertThat(flags.get("--bind")).as("probes and the Service reach the pod's address, not its loopback")
                .isEqualTo("0.0.0.0");
    }

    @Test
    void probesAskForHealthWhereServeListens() {
        int port = Integer.parseInt(flags.get("--port"));
        JsonNode http = onlyElement(container.path("ports"));
        assertThat(http.path("name").asText()).isEqualTo("http");
        assertThat(http.path("containerPort").asInt()).isEqualTo(port);
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("path").asText()).as(probe).isEqualTo("/health");
            assertThat(get.path("port").asText()).as(probe).isEqualTo("http");
        }
        JsonNode service = manifests.get("Service").path("spec");
        assertThat(service.path("type").asText()).isEqualTo("ClusterIP");
        assertThat(onlyElement(service.path("ports")).path("targetPort").asText()).isEqualTo("http");
        JsonNode ingress = onlyElement(manifests.get("NetworkPolicy").path("spec").path("ingress"));
        assertThat(onlyElement(ingress.path("ports")).path("port").asText()).isEqualTo("http");
    }

    @Test
    void serveWritesOnlyToMountedVolumes() {
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.path("volumes").forEach(volume -> volumes.put(volume.path("name").asText(), volume));
        Map<String, JsonNode> mounts = new HashMap<>();
        container.path("volumeMounts").forEach(mount -> mounts.put(mount.path("mountPath").asText(), mount));

        assertThat(volumeAt(Path.of("/tmp"), mounts, volumes).has("emptyDir")).as("/tmp").isTrue();
        assertThat(volumeAt(Path.of(flags.get("--template-cache")), mounts, volumes).has("emptyDir")).isTrue();
        assertThat(volumeAt(Path.of(env("XDG_CACHE_HOME")), mounts, volumes).has("emptyDir")).isTrue();

        Path tokenFile = Path.of(flags.get("--token-file"));
        JsonNode token = volumeAt(tokenFile, mounts, volumes);
        assertThat(token.path("secret").path("secretName").asText()).isEqualTo("hyperlight-nanvix-token");
        Path mountPath = mounts.keySet().stream().map(Path::of).filter(tokenFile::startsWith).findFirst().orElseThrow();
        assertThat(mounts.get(mountPath.toString()).path("readOnly").asBoolean()).isTrue();
        assertThat(strings(token.path("secret").path("items").findValues("path").stream()))
                .contains(mountPath.relativize(tokenFile).toString());
    }

    @Test
    void resourcesHoldTheConcurrencyBoundsWorstCase() {
        long heap = bytes(Optional.ofNullable(javaOption("-Xmx")).orElseThrow());
        int concurrent = Integer.parseInt(flags.get("--max-concurrent"));
        JsonNode resources = container.path("resources");

        assertThat(quantity(resources.path("limits").path("memory").asText()))
                .as("every run filling its --memory, and the JVM's heap")
                .isGreaterThanOrEqualTo(heap + concurrent * bytes(flags.get("--memory")));
        assertThat(quantity(resources.path("requests").path("memory").asText()))
                .as("as many idle CPython sandboxes as runs, and the JVM's heap")
                .isGreaterThanOrEqualTo(heap + concurrent * IDLE_CPYTHON_SANDBOX);
        JsonNode tmp = volumeNamed("tmp");
        assertThat(quantity(tmp.path("emptyDir").path("sizeLimit").asText()))
                .isGreaterThanOrEqualTo(concurrent * bytes(flags.get("--tmp-quota")));
        assertThat(Duration.ofSeconds(pod.path("terminationGracePeriodSeconds").asLong()))
                .isGreaterThan(duration(flags.get("--timeout")));
    }

    @Test
    void theServiceThePolicyTheBudgetAndTheAutoscalerSelectTheseManifestsPods() {
        JsonNode deployment = manifests.get("Deployment");
        Map<String, String> podLabels = labels(deployment.path("spec").path("template").path("metadata").path("labels"));
        assertThat(podLabels).containsAllEntriesOf(labels(deployment.path("spec").path("selector").path("matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(labels(manifests.get("Service").path("spec").path("selector")));
        assertThat(podLabels).containsAllEntriesOf(
                labels(manifests.get("NetworkPolicy").path("spec").path("podSelector").path("matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(
                labels(manifests.get("PodDisruptionBudget").path("spec").path("selector").path("matchLabels")));
        assertThat(deployment.path("spec").has("replicas")).as("the autoscaler owns the count").isFalse();

        JsonNode policy = manifests.get("NetworkPolicy").path("spec");
        assertThat(strings(policy.path("policyTypes"))).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.path("egress")).as("no way out").isEmpty();

        JsonNode autoscaler = manifests.get("HorizontalPodAutoscaler").path("spec");
        assertThat(autoscaler.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(autoscaler.path("scaleTargetRef").path("name").asText())
                .isEqualTo(deployment.path("metadata").path("name").asText());
        assertThat(onlyElement(autoscaler.path("metrics")).path("resource").path("name").asText()).isEqualTo("cpu");
        assertThat(container.path("resources").path("requests").has("cpu")).as("utilization is of the request").isTrue();
        int maxUnavailable = manifests.get("PodDisruptionBudget").path("spec").path("maxUnavailable").asInt();
        assertThat(autoscaler.path("minReplicas").asInt()).as("a drain leaves a pod serving").isGreaterThan(maxUnavailable);
    }

    @Test
    void theImageRunsTheCliAsThePodsUser() throws Exception {
        String containerfile = Files.readString(DEPLOY.resolve("Containerfile"), StandardCharsets.UTF_8);
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(containerfile);
        assertThat(user.find()).isTrue();
        assertThat(Long.parseLong(user.group(1))).isEqualTo(pod.path("securityContext").path("runAsUser").asLong());
        assertThat(Long.parseLong(user.group(2))).isEqualTo(pod.path("securityContext").path("runAsGroup").asLong());
        assertThat(containerfile).containsPattern("(?m)^EXPOSE " + flags.get("--port") + "$")
                .containsPattern("(?m)^ENV XDG_CACHE_HOME=" + Pattern.quote(env("XDG_CACHE_HOME")) + "$");
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT \\[.*\"([\\w.]+)\"\\]$").matcher(containerfile);
        assertThat(entrypoint.find()).isTrue();
        assertThat(entrypoint.group(1)).isEqualTo(dev.hyperlight.nanvix.cli.Main.class.getName());
    }

    /** The long options {@code hyperlight-nanvix serve --help} lists, from the CLI on this class path. */
    private static Set<String> serveHelpFlags() throws Exception {
        Process help = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                dev.hyperlight.nanvix.cli.Main.class.getName(), "serve", "--help")
                .redirectErrorStream(true)
                .start();
        String out = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(help.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(help.exitValue()).as(out).isZero();
        Set<String> names = new LinkedHashSet<>();
        // Option lines are indented by a few spaces; their descriptions' continuations by many more.
        Matcher option = Pattern.compile("(?m)^ {2,6}(?:-\\w, )?(--[a-z][a-z0-9-]*)").matcher(out);
        while (option.find()) {
            names.add(option.group(1));
        }
        assertThat(names).as(out).contains("--help");
        return names;
    }

    /** {@code --flag value} pairs after the subcommand (every flag given here takes a value). */
    private static Map<String, String> flags(List<String> args) {
        Map<String, String> byName = new HashMap<>();
        for (int i = 1; i < args.size(); i += 2) {
            assertThat(args.get(i)).startsWith("--");
            assertThat(i + 1).as("a value for %s", args.get(i)).isLessThan(args.size());
            assertThat(byName.put(args.get(i), args.get(i + 1))).as("%s once", args.get(i)).isNull();
        }
        return byName;
    }

    /** The volume mounted at the longest mount path that holds {@code path}. */
    private static JsonNode volumeAt(Path path, Map<String, JsonNode> mounts, Map<String, JsonNode> volumes) {
        Path mountPath = mounts.keySet().stream().map(Path::of).filter(path::startsWith)
                .max((a, b) -> Integer.compare(a.getNameCount(), b.getNameCount()))
                .orElseThrow(() -> new AssertionError(path + " is on the read-only root"));
        return volumes.get(mounts.get(mountPath.toString()).path("name").asText());
    }

    private static JsonNode volumeNamed(String name) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static String env(String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("no environment variable " + name);
    }

    /** The value of a JVM option such as {@code -Xmx} in JDK_JAVA_OPTIONS, or null. */
    private static String javaOption(String prefix) {
        for (String option : env("JDK_JAVA_OPTIONS").split("\\s+")) {
            if (option.startsWith(prefix)) {
                return option.substring(prefix.length());
            }
        }
        return null;
    }

    /** A Kubernetes quantity of bytes: 768Mi, 1Gi, or a plain number. */
    private static long quantity(String text) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(text);
        assertThat(m.matches()).as(text).isTrue();
        int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
            case "Ki" -> 10;
            case "Mi" -> 20;
            default -> 30;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    /** A size as the CLI and the JVM take it: 64M, 256m, 1G (binary units). */
    private static long bytes(String text) {
        Matcher m = Pattern.compile("(\\d+)([kKmMgG])?").matcher(text);
        assertThat(m.matches()).as(text).isTrue();
        int shift = m.group(2) == null ? 0 : switch (Character.toUpperCase(m.group(2).charAt(0))) {
            case 'K' -> 10;
            case 'M' -> 20;
            default -> 30;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    /** A duration as the CLI takes it: 30s, 2m. */
    private static Duration duration(String text) {
        Matcher m = Pattern.compile("(\\d+)(s|m)").matcher(text);
        assertThat(m.matches()).as(text).isTrue();
        long amount = Long.parseLong(m.group(1));
        return m.group(2).equals("s") ? Duration.ofSeconds(amount) : Duration.ofMinutes(amount);
    }

    private static JsonNode onlyElement(JsonNode array) {
        assertThat(array).hasSize(1);
        return array.get(0);
    }

    private static Map<String, String> labels(JsonNode object) {
        Map<String, String> labels = new HashMap<>();
        object.fields().forEachRemaining(entry -> labels.put(entry.getKey(), entry.getValue().asText()));
        assertThat(labels).isNotEmpty();
        return labels;
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static List<String> strings(Stream<JsonNode> values) {
        return values.map(JsonNode::asText).toList();
    }
}
