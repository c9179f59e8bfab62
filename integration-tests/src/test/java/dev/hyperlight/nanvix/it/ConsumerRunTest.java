package dev.hyperlight.nanvix.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * VM test (needs /dev/kvm). The "done when": an application that depends on the starter
 * alone (starter/src/test/consumer, compiled against exactly the starter's dependencies) runs a
 * Python file, Python and JavaScript code and a dynamically linked C program, on the class path
 * and on the module path, with no system property and an empty cache. Everything before the VM is
 * checked on any host by the starter's ConsumerProjectTest.
 */
@InProcessOnly("the consumer application runs RuntimeConfig.defaults() in a JVM of its own: it checks the starter's"
        + " packaging, whichever deployment this run of the suite holds the features to")
class ConsumerRunTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"class-path", "module-path"})
    void anApplicationOfTheStarterRunsPythonJavaScriptAndADynamicProgram(String mode) throws Exception {
        String libraries = System.getProperty("starter.classes", "../starter/target/classes") + ":"
                + Files.readString(Path.of(System.getProperty("consumer.classpath",
                        "../starter/target/consumer-classpath.txt"))).strip();
        Path consumer = Path.of(System.getProperty("consumer.dir", "../starter/src/test/consumer"), "run-consumer");
        Path output = tmp.resolve("output.txt");
        ProcessBuilder run = new ProcessBuilder(consumer.toString(), mode, libraries, "run",
                Guests.example("hello-c-dynamic").toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        run.environment().put("XDG_CACHE_HOME", tmp.resolve("cache-home").toString());
        run.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        run.environment().remove("JAVA_TOOL_OPTIONS");
        Process process = run.start();
        // Four cold VMs, two of them CPython's start, and the extraction of the images.
        assertThat(process.waitFor(20, TimeUnit.MINUTES)).as("the consumer ends").isTrue();
        String printed = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(printed).isZero();
        assertThat(printed).as(printed).contains(
                "python file 42\nexit 0\n",
                "python code (3, 11)\nexit 0\n",
                "javascript code 42\nexit 0\n",
                "Hello from C in a Hyperlight-Nanvix micro-VM!\n");
        assertThat(printed).as(printed).endsWith("exit 0\n");
    }
}
