package dev.hyperlight.nanvix.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The starter as a user's project gets it: exactly its compile and runtime dependencies, no
 * system property, an empty cache. An application (src/test/consumer) is compiled against them and
 * run on the class path and on the module path up to the VM: it must find the KVM backend, the
 * guest kernel and every runtime image, which it extracts into the cache. The runs themselves
 * need /dev/kvm: integration-tests' ConsumerRunTest.
 */
class ConsumerProjectTest {

    private static final Path CONSUMER = Path.of(System.getProperty("consumer.dir", "src/test/consumer"));

    @TempDir
    Path tmp;

    /** The jars and class directories of the starter and everything it brings, in build order. */
    static List<Path> libraries() throws IOException {
        String classpath = Files.readString(Path.of(System.getProperty("consumer.classpath",
                "target/consumer-classpath.txt"))).strip();
        return Stream.concat(Stream.of(Path.of(System.getProperty("starter.classes", "target/classes"))),
                Arrays.stream(classpath.split(":")).map(Path::of)).toList();
    }

    @Test
    void theStarterBringsTheLoggingApiButNoLoggingBackend() throws IOException {
        List<Path> libraries = libraries();
        assertThat(libraries).anySatisfy(path -> assertThat(path.getFileName().toString()).startsWith("slf4j-api-"));
        for (Path library : libraries) {
            assertThat(hasEntry(library, "META-INF/services/org.slf4j.spi.SLF4JServiceProvider"))
                    .as("%s is an SLF4J provider: the application chooses its logging backend", library).isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"class-path", "module-path"})
    void anApplicationFindsTheBackendTheKernelAndEveryRuntimeWithAnEmptyCache(String mode) throws Exception {
        Path cacheHome = tmp.resolve("cache-home");
        Path output = tmp.resolve("output.txt");
        ProcessBuilder consumer = new ProcessBuilder(CONSUMER.resolve("run-consumer").toString(), mode,
                String.join(":", libraries().stream().map(Path::toString).toList()), "check")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        consumer.environment().put("XDG_CACHE_HOME", cacheHome.toString());
        consumer.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        consumer.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = consumer.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the consumer ends").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(printed).isZero();
        Path cache = cacheHome.resolve("hyperlight-nanvix/runtimes");
        assertThat(printed).as(printed).contains(
                "library module: " + (mode.equals("module-path") ? "dev.hyperlight.nanvix" : "unnamed") + "\n",
                "backend: kvm\n",
                "kernel: ok\n",
                "runtime javascript: ok\n",
                "runtime python: ok\n",
                "runtime node: ok\n",
                "base image: ok\n",
                "cache: " + cache + "\n");
        try (Stream<Path> images = Files.list(cache)) {
            assertThat(images.map(image -> image.getFileName().toString()).sorted())
                    .as("the four images, whole, and no partial extraction left")
                    .satisfiesExactly(
                            base -> assertThat(base).matches("base-[0-9a-f]{16}"),
                            node -> assertThat(node).matches("node-[0-9a-f]{16}"),
                            python -> assertThat(python).matches("python-[0-9a-f]{16}"),
                            quickjs -> assertThat(quickjs).matches("quickjs-[0-9a-f]{16}"));
        }
        try (Stream<Path> bases = Files.list(cache)) {
            Path base = bases.filter(image -> image.getFileName().toString().startsWith("base-")).findFirst().orElseThrow();
            assertThat(Files.readSymbolicLink(base.resolve("lib64/ld-linux-x86-64.so.2")))
                    .as("links are extracted as links, their targets as the guest reads them")
                    .isEqualTo(Path.of("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
        }
    }

    private static boolean hasEntry(Path library, String name) throws IOException {
        if (Files.isDirectory(library)) {
            return Files.exists(library.resolve(name));
        }
        try (ZipFile jar = new ZipFile(library.toFile())) {
            return jar.getEntry(name) != null;
        }
    }
}
