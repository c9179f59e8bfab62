package dev.hyperlight.nanvix.loader;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The host/guest ABI is written on both sides: in the guest kernel (guest-kernel/src/abi/host.rs,
 * the {@code BootInfo} struct of abi/boot.rs, the link address in linker.ld) and here
 * ({@link GuestAbi}, {@link AbiVersion}, {@link BootInfo}). This test reads the kernel's files as
 * text and fails on any difference, and on a constant of abi/host.rs it does not map (add the
 * host's counterpart to {@code HOST}).
 */
class KernelAbiTest {

    private static final Path KERNEL = Path.of("../guest-kernel");

    /** Every constant of abi/host.rs (those of a nested {@code pub mod m} as {@code m::NAME}) and the host's value. */
    private static final Map<String, Long> HOST = Map.ofEntries(
            entry("ABI_VERSION", (long) AbiVersion.CURRENT),
            entry("KERNEL_BASE", GuestAbi.KERNEL_BASE),
            entry("USER_TOP", GuestAbi.USER_TOP),
            entry("USER_BOTTOM", GuestAbi.USER_BOTTOM),
            entry("PAGE_SIZE", (long) GuestAbi.PAGE_SIZE),
            entry("BOOT_MAGIC", BootInfo.MAGIC),
            entry("BOOT_INFO_GPA", GuestAbi.BOOT_INFO_GPA),
            entry("HYPERCALL_PAGE_GPA", GuestAbi.HYPERCALL_PAGE_GPA),
            entry("HYPERCALL_NR_OFFSET", (long) GuestAbi.HYPERCALL_NR_OFFSET),
            entry("HYPERCALL_ARGS_OFFSET", (long) GuestAbi.HYPERCALL_ARGS_OFFSET),
            entry("HYPERCALL_ARG_COUNT", (long) GuestAbi.HYPERCALL_ARG_COUNT),
            entry("HYPERCALL_RESULT_OFFSET", (long) GuestAbi.HYPERCALL_RESULT_OFFSET),
            entry("HYPERCALL_CR3_OFFSET", (long) GuestAbi.HYPERCALL_CR3_OFFSET),
            entry("HYPERCALL_FAULT_ADDRESS_OFFSET", (long) GuestAbi.HYPERCALL_FAULT_ADDRESS_OFFSET),
            entry("HYPERCALL_FAULT_LENGTH_OFFSET", (long) GuestAbi.HYPERCALL_FAULT_LENGTH_OFFSET),
            entry("HYPERCALL_FAULT_WRITE_OFFSET", (long) GuestAbi.HYPERCALL_FAULT_WRITE_OFFSET),
            entry("HYPERCALL_CLOCK_OFFSET", (long) GuestAbi.HYPERCALL_CLOCK_OFFSET),
            entry("HYPERCALL_PREEMPT_ENTRY_OFFSET", (long) GuestAbi.HYPERCALL_PREEMPT_ENTRY_OFFSET),
            entry("HYPERCALL_PREEMPTED_OFFSET", (long) GuestAbi.HYPERCALL_PREEMPTED_OFFSET),
            entry("HYPERCALL_PREEMPTED_RAX_OFFSET", (long) GuestAbi.HYPERCALL_PREEMPTED_RAX_OFFSET),
            entry("HYPERCALL_PREEMPTED_RCX_OFFSET", (long) GuestAbi.HYPERCALL_PREEMPTED_RCX_OFFSET),
            entry("HYPERCALL_PREEMPTED_R11_OFFSET", (long) GuestAbi.HYPERCALL_PREEMPTED_R11_OFFSET),
            entry("PREEMPT_CALL", GuestAbi.PREEMPT_CALL),
            entry("USER_FAULT", GuestAbi.USER_FAULT),
            entry("port::HYPERCALL", (long) GuestAbi.PORT_HYPERCALL),
            entry("port::EXIT", (long) GuestAbi.PORT_EXIT),
            entry("port::FAULT", (long) GuestAbi.PORT_FAULT),
            entry("port::LOG", (long) GuestAbi.PORT_LOG),
            entry("port::PANIC", (long) GuestAbi.PORT_PANIC),
            entry("port::PREEMPT", (long) GuestAbi.PORT_PREEMPT),
            entry("port::SYSCALL", (long) GuestAbi.PORT_SYSCALL),
            entry("DOOR_VA", GuestAbi.DOOR_VA),
            entry("DOOR_OUT_OFFSET", GuestAbi.DOOR_OUT_OFFSET),
            entry("DOOR_UMASK_OFFSET", GuestAbi.DOOR_UMASK_OFFSET),
            entry("FAST_CALL_LIMIT", GuestAbi.FAST_CALL_LIMIT),
            entry("run_flags::MEMORY_LIMIT_REACHED", GuestAbi.RUN_FLAG_MEMORY_LIMIT_REACHED),
            entry("boot_flags::START_MESSAGE", BootInfo.FLAG_START_MESSAGE));

    private static final Pattern CONSTANT = Pattern.compile("^\\s*pub const ([A-Z0-9_]+): \\w+ = (.+);$");
    private static final Pattern MODULE = Pattern.compile("^\\s*pub mod (\\w+) \\{$");
    private static final Pattern LITERAL = Pattern.compile("(0x[0-9a-fA-F_]+|[0-9_]+)");
    private static final Pattern FIELD = Pattern.compile("^\\s*pub (\\w+): (u64|\\[u8; (\\d+)\\]|\\[u64; (\\d+)\\]),$");
    private static final Pattern LINK_ADDRESS = Pattern.compile("^\\s*\\. = (0x[0-9a-fA-F]+);", Pattern.MULTILINE);

    private static String kernelFile(String path) throws IOException {
        return Files.readString(KERNEL.resolve(path));
    }

    private static long literal(String name, String text) {
        if (!LITERAL.matcher(text).matches()) {
            throw new AssertionError("abi/host.rs: " + name + " = " + text
                    + " is not a literal; write the ABI's constants as literals (this test reads them)");
        }
        String digits = text.replace("_", "");
        return digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseLong(digits);
    }

    /** The constants of a Rust file, those of nested modules named {@code module::NAME}. */
    static Map<String, Long> constants(String source) {
        Map<String, Long> constants = new TreeMap<>();
        Deque<String> modules = new ArrayDeque<>();
        for (String line : source.lines().toList()) {
            Matcher module = MODULE.matcher(line);
            Matcher constant = CONSTANT.matcher(line);
            if (module.matches()) {
                modules.push(module.group(1) + "::");
            } else if (line.equals("}") && !modules.isEmpty()) {
                modules.pop();
            } else if (constant.matches()) {
                String name = String.join("", modules.reversed()) + constant.group(1);
                constants.put(name, literal(name, constant.group(2).trim()));
            }
        }
        return constants;
    }

    @Test
    void theKernelAndTheHostAgreeOnEveryAbiConstant() throws IOException {
        assertThat(constants(kernelFile("src/abi/host.rs")))
                .as("guest-kernel/src/abi/host.rs against GuestAbi, AbiVersion and BootInfo")
                .isEqualTo(new TreeMap<>(HOST));
    }

    @Test
    void theBootInfoHasTheSameLayoutOnBothSides() throws Exception {
        String source = kernelFile("src/abi/boot.rs");
        String struct = source.substring(source.indexOf("pub struct BootInfo {"));
        struct = struct.substring(0, struct.indexOf("\n}"));
        Map<String, Integer> kernel = new TreeMap<>();
        int offset = 0;
        for (String line : struct.lines().toList()) {
            Matcher field = FIELD.matcher(line);
            if (field.matches()) {
                kernel.put(field.group(1).toUpperCase(Locale.ROOT) + "_OFFSET", offset);
                offset += field.group(3) != null ? Integer.parseInt(field.group(3))
                        : field.group(4) != null ? 8 * Integer.parseInt(field.group(4)) : 8;
            }
        }
        Map<String, Integer> host = new TreeMap<>();
        for (Field field : BootInfo.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("_OFFSET")) {
                host.put(field.getName(), field.getInt(null));
            }
        }
        assertThat(kernel).as("the fields of BootInfo in guest-kernel/src/abi/boot.rs").isEqualTo(host);
        assertThat(offset).as("the size of the kernel's BootInfo").isEqualTo(BootInfo.SIZE);
        assertThat(source).contains("size_of::<BootInfo>() == " + BootInfo.SIZE + ")");
    }

    @Test
    void theKernelIsLinkedWhereTheHostLoadsIt() throws IOException {
        Matcher address = LINK_ADDRESS.matcher(kernelFile("linker.ld"));
        assertThat(address.find()).as("the link address in guest-kernel/linker.ld").isTrue();
        assertThat(Long.parseUnsignedLong(address.group(1).substring(2), 16))
                .isEqualTo(GuestAbi.kva(GuestAbi.KERNEL_IMAGE_GPA));
    }

    @Test
    void aConstantThatIsNotALiteralFailsLoudly() {
        assertThatThrownBy(() -> constants("pub const X: u64 = 1 << 12;"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("X = 1 << 12 is not a literal");
        assertThat(constants("pub mod port {\n    pub const LOG: u16 = 0x6e3;\n}\npub const A: u64 = 4_096;"))
                .containsExactly(entry("A", 4096L), entry("port::LOG", 0x6e3L));
    }
}
