package dev.hyperlight.nanvix.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.abi.Sysno;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/syscalls.md is generated from the code: the guest kernel's dispatch table ({@code SYSCALLS}
 * in guest-kernel/src/syscalls/table.rs, with the call numbers of guest-kernel/src/abi/nr.rs, both read as
 * text) and the host's {@link SyscallTable#defaults()}.
 * This test fails when the committed document and the code disagree, and when the kernel forwards
 * a call the host does not implement. Regenerate with:
 *
 * <pre>
 * mvn -o -q -pl syscall-interpose test -Dtest=SyscallsDocTest -Dsyscalls.doc.write=true
 * </pre>
 */
class SyscallsDocTest {

    private static final Path KERNEL_TABLE = Path.of("../guest-kernel/src/syscalls/table.rs");
    private static final Path KERNEL_NUMBERS = Path.of("../guest-kernel/src/abi/nr.rs");
    private static final Path DOC = Path.of("../docs/syscalls.md");

    /** One entry of the kernel's table: {@code guest(nr::X, "x", h)}, {@code host(...)}, {@code rewritten(nr::X, "x", "onto", h)}. */
    private static final Pattern ENTRY = Pattern.compile(
            "\\b(guest|host|rewritten)\\(nr::([A-Z0-9_]+),\\s*\"([a-z0-9_]+)\",\\s*(?:\"([^\"]*)\",\\s*)?[A-Za-z0-9_:]+\\)");
    private static final Pattern NUMBER = Pattern.compile("pub const ([A-Z0-9_]+): u64 = (\\d+);");

    /** How the kernel serves a call, from its dispatch table. */
    private record KernelEntry(String kind, String onto) {
    }

    private static Map<Sysno, KernelEntry> kernelTable() throws IOException {
        String source = Files.readString(KERNEL_TABLE);
        Map<String, Long> numbers = new LinkedHashMap<>();
        Matcher number = NUMBER.matcher(Files.readString(KERNEL_NUMBERS));
        while (number.find()) {
            numbers.put(number.group(1), Long.parseLong(number.group(2)));
        }
        String table = source.substring(source.indexOf("pub static SYSCALLS"));
        table = table.substring(0, table.indexOf("];"));
        Map<Sysno, KernelEntry> entries = new LinkedHashMap<>();
        Matcher entry = ENTRY.matcher(table);
        int parsed = 0;
        while (entry.find()) {
            parsed++;
            Sysno sysno = Sysno.valueOf(entry.group(3).toUpperCase(java.util.Locale.ROOT));
            Long declared = numbers.get(entry.group(2));
            if (declared == null || declared != sysno.number()) {
                throw new AssertionError("the kernel's nr::" + entry.group(2) + " is " + declared
                        + ", Linux's " + sysno.linuxName() + " is " + sysno.number());
            }
            if (entries.put(sysno, new KernelEntry(entry.group(1), entry.group(4))) != null) {
                throw new AssertionError(sysno.linuxName() + " appears twice in the kernel's table");
            }
        }
        // An entry this parser cannot read (a note that is not a string literal, say) would
        // silently show as ENOSYS.
        long written = Pattern.compile("\\b(?:guest|host|rewritten)\\(nr::").matcher(table).results().count();
        if (written != parsed) {
            throw new AssertionError(written + " entries in the kernel's table, " + parsed + " readable:"
                    + " write each as guest|host|rewritten(nr::X, \"x\", [\"note\",] handler)");
        }
        return entries;
    }

    private static String handling(Sysno sysno, Map<Sysno, KernelEntry> kernel) {
        KernelEntry entry = kernel.get(sysno);
        if (entry == null) {
            return "ENOSYS | not implemented: the kernel answers -ENOSYS and counts the call";
        }
        return switch (entry.kind()) {
            case "guest" -> "guest | served by the guest kernel";
            case "rewritten" -> "forwarded | as `" + entry.onto() + "`" + hostNote(Sysno.valueOf(
                    entry.onto().split("[ (]")[0].toUpperCase(java.util.Locale.ROOT)));
            default -> "forwarded | to the host" + hostNote(sysno);
        };
    }

    /** What the host's default table does with a forwarded call. */
    private static String hostNote(Sysno sysno) {
        Syscall call = Syscall.of(sysno);
        Optional<Syscall> plain = call.decidedAs();
        Optional<SyscallAction> action = SyscallTable.defaults().action(plain.orElse(call));
        if (plain.isPresent() && action.isPresent()) {
            return ", decided as `" + plain.get().name() + "` over the vectors" + hostNote(plain.get().sysno());
        }
        return switch (action.orElse(null)) {
            case null -> throw new AssertionError("the kernel forwards " + sysno.linuxName()
                    + " but the host has no implementation of it");
            case SyscallAction.Block block -> ", blocked by default (" + block.errno() + ")";
            case SyscallAction.BlockNetwork block -> ", blocked by default (" + block.errno()
                    + ") except on AF_UNIX sockets";
            default -> "";
        };
    }

    static String generate() throws IOException {
        Map<Sysno, KernelEntry> kernel = kernelTable();
        StringBuilder doc = new StringBuilder();
        doc.append("# System calls\n\n");
        doc.append("Generated from the code by `SyscallsDocTest` (syscall-interpose) from the guest kernel's\n");
        doc.append("dispatch table (`SYSCALLS` in guest-kernel/src/syscalls/table.rs) and the host's\n");
        doc.append("`SyscallTable.defaults()`; the test fails when this file and the code disagree. Regenerate:\n");
        doc.append("`mvn -o -q -pl syscall-interpose test -Dtest=SyscallsDocTest -Dsyscalls.doc.write=true`.\n\n");
        doc.append("- **guest**: served inside the guest kernel, no exit to the host.\n");
        doc.append("- **forwarded**: the kernel stages buffers in the I/O buffer and makes a hypercall; the host's\n");
        doc.append("  `SyscallTable` runs it on `HostIo` (or blocks it with an errno, as policies decide).\n");
        doc.append("- **ENOSYS**: answered with `-ENOSYS` and counted (the run result lists them).\n\n");
        doc.append("A call forwarded to the host is declared once on each side: on the host one row in `Syscall`\n");
        doc.append("(syscall-interpose: number, argument kinds, default implementation, network or not), from\n");
        doc.append("which `Syscall.FORWARDED`, `Syscall.NETWORK` and `SyscallTable.defaults()` are derived; in the\n");
        doc.append("guest kernel one constant in `host/forwarded.rs`, the only numbers `hypercall::call` takes.\n");
        doc.append("`ForwardedCallsTest` checks that the two lists name the same calls. Adding one: the row, the\n");
        doc.append("constant, the kernel's handler and its entry in `SYSCALLS`, then regenerate this file.\n\n");
        long guest = kernel.values().stream().filter(e -> e.kind().equals("guest")).count();
        long forwarded = kernel.size() - guest;
        doc.append("Of ").append(Sysno.values().length).append(" Linux x86-64 calls: ").append(guest)
                .append(" in the guest, ").append(forwarded).append(" forwarded, ")
                .append(Sysno.values().length - kernel.size()).append(" ENOSYS.\n\n");
        doc.append("| nr | call | handled | how |\n|---:|---|---|---|\n");
        for (Sysno sysno : Sysno.values()) {
            doc.append("| ").append(sysno.number()).append(" | `").append(sysno.linuxName()).append("` | ")
                    .append(handling(sysno, kernel)).append(" |\n");
        }
        return doc.toString();
    }

    @Test
    void docsSyscallsMdMatchesTheCode() throws IOException {
        String generated = generate();
        if (Boolean.getBoolean("syscalls.doc.write")) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(DOC))
                .as("docs/syscalls.md is stale: regenerate it (see SyscallsDocTest)")
                .isEqualTo(generated);
    }

    @Test
    void everyForwardedCallHasAHostImplementation() throws IOException {
        Map<Sysno, KernelEntry> kernel = kernelTable();
        assertThat(kernel).containsKeys(Sysno.READ, Sysno.MMAP, Sysno.FUTEX);
        // handling() throws for a forwarded call without a host implementation.
        kernel.keySet().forEach(sysno -> assertThat(handling(sysno, kernel)).isNotEmpty());
    }
}
