package dev.hyperlight.nanvix.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Sysno;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The guest kernel forwards exactly the calls the host declares. The kernel's list is
 * guest-kernel/src/host/forwarded.rs, read as text: {@code hypercall::call} takes only a {@code
 * Forwarded}, which only that file can make, so the compiler keeps the list complete. The host's
 * is {@link Syscall#FORWARDED}, one row per call in {@link Syscall}. docs/guest-abi.md names
 * each of them too.
 */
class ForwardedCallsTest {

    private static final Path KERNEL_SOURCE = Path.of("../guest-kernel/src");
    private static final Path KERNEL_FORWARDED = KERNEL_SOURCE.resolve("host/forwarded.rs");
    private static final Path KERNEL_NUMBERS = KERNEL_SOURCE.resolve("abi/nr.rs");
    private static final Path KERNEL_TABLE = KERNEL_SOURCE.resolve("syscalls/table.rs");
    private static final Path GUEST_ABI = Path.of("../docs/guest-abi.md");

    private static final Pattern ENTRY = Pattern.compile(
            "pub const ([A-Z0-9_]+): Forwarded = Forwarded\\(nr::([A-Z0-9_]+)\\);");
    private static final Pattern NUMBER = Pattern.compile("pub const ([A-Z0-9_]+): u64 = (\\d+);");
    private static final Pattern TABLE_HOST_ENTRY = Pattern.compile("\\bhost\\(nr::([A-Z0-9_]+),");

    /** The kernel's forwarded calls by constant name, checked against Linux's numbers. */
    private static Map<String, Sysno> kernelForwarded() throws IOException {
        Map<String, Long> numbers = new LinkedHashMap<>();
        Matcher number = NUMBER.matcher(Files.readString(KERNEL_NUMBERS));
        while (number.find()) {
            numbers.put(number.group(1), Long.parseLong(number.group(2)));
        }
        // Without comments: the file's own comment shows how an entry is written.
        String source = Files.readAllLines(KERNEL_FORWARDED).stream().filter(line -> !line.strip().startsWith("//"))
                .collect(Collectors.joining("\n"));
        Map<String, Sysno> calls = new LinkedHashMap<>();
        Matcher entry = ENTRY.matcher(source);
        while (entry.find()) {
            String name = entry.group(1);
            if (!name.equals(entry.group(2))) {
                throw new AssertionError("forwarded::" + name + " is nr::" + entry.group(2) + ": name them alike");
            }
            Sysno sysno = Sysno.valueOf(name);
            if (numbers.get(name) == null || numbers.get(name) != sysno.number()) {
                throw new AssertionError("the kernel's nr::" + name + " is " + numbers.get(name) + ", Linux's "
                        + sysno.linuxName() + " is " + sysno.number());
            }
            if (calls.put(name, sysno) != null) {
                throw new AssertionError(name + " appears twice in forwarded.rs");
            }
        }
        // An entry written another way would silently drop out of the comparison.
        long written = Pattern.compile("= Forwarded\\(").matcher(source).results().count();
        if (written != calls.size()) {
            throw new AssertionError(written + " entries in forwarded.rs, " + calls.size() + " readable:"
                    + " write each as `pub const X: Forwarded = Forwarded(nr::X);`");
        }
        return calls;
    }

    private static Set<String> names(Stream<Sysno> calls) {
        return calls.map(Sysno::linuxName).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void theKernelForwardsExactlyTheCallsTheHostDeclares() throws IOException {
        Set<String> kernel = names(kernelForwarded().values().stream());
        Set<String> host = names(Syscall.FORWARDED.stream().map(Syscall::sysno));
        assertThat(kernel).as("forwarded by the guest kernel but not declared by the host (Syscall.java)")
                .isSubsetOf(host);
        assertThat(host).as("declared by the host but not forwarded by the guest kernel (host/forwarded.rs)")
                .isSubsetOf(kernel);
    }

    @Test
    void everyCallOfTheKernelsListIsMadeSomewhere() throws IOException {
        String kernelCode;
        try (Stream<Path> files = Files.walk(KERNEL_SOURCE)) {
            List<Path> rust = files.filter(p -> p.toString().endsWith(".rs") && !p.equals(KERNEL_FORWARDED))
                    .toList();
            StringBuilder all = new StringBuilder();
            for (Path file : rust) {
                all.append(Files.readString(file)).append('\n');
            }
            kernelCode = all.toString();
        }
        for (String name : kernelForwarded().keySet()) {
            assertThat(Pattern.compile("forwarded::" + name + "\\b").matcher(kernelCode).find())
                    .as("forwarded::%s is listed but no kernel code makes the call: drop it on both sides", name)
                    .isTrue();
        }
    }

    @Test
    void whatTheDispatchTableServesOnTheHostIsForwarded() throws IOException {
        String table = Files.readString(KERNEL_TABLE);
        Set<String> forwarded = kernelForwarded().keySet();
        Matcher entry = TABLE_HOST_ENTRY.matcher(table);
        int seen = 0;
        while (entry.find()) {
            seen++;
            assertThat(forwarded).as("table.rs serves %s on the host", entry.group(1)).contains(entry.group(1));
        }
        assertThat(seen).as("host(...) entries read from table.rs").isGreaterThan(30);
    }

    @Test
    void everyForwardedCallIsNamedInTheGuestAbi() throws IOException {
        String abi = Files.readString(GUEST_ABI);
        int start = abi.indexOf("### Forwarded system calls");
        String section = abi.substring(start, abi.indexOf("\n### ", start + 1));
        for (Syscall call : Syscall.FORWARDED) {
            assertThat(section).as("docs/guest-abi.md, \"Forwarded system calls\", names %s", call.name())
                    .contains("`" + call.name() + "`");
        }
    }

    @Test
    void theHostsDeclarationIsOneRowPerCallByNumber() {
        assertThat(Syscall.FORWARDED).isSortedAccordingTo(Comparator.comparingInt(s -> s.sysno().number()))
                .doesNotHaveDuplicates()
                .allSatisfy(call -> {
                    assertThat(call.forwarded()).isTrue();
                    assertThat(Syscall.of(call.sysno())).isSameAs(call);
                    // A vectored call has no implementation of its own: it runs as its plain call.
                    assertThat(Syscall.implementation(call.decidedAs().orElse(call).sysno())).as(call.name())
                            .isNotNull();
                    assertThat(Syscall.named(call.name().toUpperCase(Locale.ROOT))).contains(call);
                });
        assertThat(Syscall.FORWARDED).containsAll(Syscall.NETWORK);
        assertThat(Syscall.NETWORK.getFirst()).isEqualTo(Syscall.SOCKET);
        assertThat(Syscall.implementation(Sysno.MMAP)).isNull();
        assertThat(Syscall.of(Sysno.MMAP).forwarded()).isFalse();
    }
}
