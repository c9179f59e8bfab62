package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.mshv.sys.ioctl_h;
import dev.hyperlight.nanvix.mshv.sys.libc_h;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_partition;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_vp;
import dev.hyperlight.nanvix.mshv.sys.mshv_get_set_vp_state;
import dev.hyperlight.nanvix.mshv.sys.mshv_h;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import dev.hyperlight.nanvix.mshv.sys.mshv_user_mem_region;
import dev.hyperlight.nanvix.mshv.sys.sigaction;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Compiles {@code src/test/c/mshv_layout.c} against the real {@code <linux/mshv.h>} (Debian
 * unstable's {@code linux-libc-dev}, which {@code fetch-uapi-header.sh} unpacked into {@code
 * target/}) and this host's C library headers, and checks that every size, offset, ioctl number
 * and constant it prints is what the Java bindings use, and that the bindings use nothing it does
 * not check.
 */
@Tag("no-vm") // needs no hypervisor at all
class MshvLayoutTest {

    /** The classes of hand-written constants: every one of their constants must be checked here. */
    private static final List<Class<?>> CONSTANT_CLASSES = List.of(ioctl_h.class, mshv_h.class, libc_h.class);
    private static final Path HEADERS = Path.of("target/linux-libc-dev/usr/include");

    private final Map<String, Long> java = new LinkedHashMap<>();
    private final Set<String> checkedConstants = new HashSet<>();

    @Test
    void bindingsMatchTheUapiHeader() throws Exception {
        assertThat(HEADERS.resolve("linux/mshv.h")).as("the header fetch-uapi-header.sh unpacks").isRegularFile();
        size("mshv_create_partition", mshv_create_partition.layout());
        offsets("mshv_create_partition", mshv_create_partition.layout(), "pt_flags", "pt_isolation");
        size("mshv_create_vp", mshv_create_vp.layout());
        offsets("mshv_create_vp", mshv_create_vp.layout(), "vp_index");
        size("mshv_user_mem_region", mshv_user_mem_region.layout());
        offsets("mshv_user_mem_region", mshv_user_mem_region.layout(), "size", "guest_pfn", "userspace_addr",
                "flags", "rsvd");
        size("mshv_root_hvcall", mshv_root_hvcall.layout());
        offsets("mshv_root_hvcall", mshv_root_hvcall.layout(), "code", "reps", "in_sz", "out_sz", "status", "rsvd",
                "in_ptr", "out_ptr");
        size("mshv_get_set_vp_state", mshv_get_set_vp_state.layout());
        offsets("mshv_get_set_vp_state", mshv_get_set_vp_state.layout(), "type", "rsvd", "buf_sz", "buf_ptr");
        java.put("sizeof mshv_run_vp", (long) MSHV_RUN_VP_BUF_SZ);
        size("sigaction", sigaction.layout());
        offsets("sigaction", sigaction.layout(), "sa_handler", "sa_mask", "sa_flags", "sa_restorer");

        for (Class<?> type : CONSTANT_CLASSES) {
            for (Field field : constants(type)) {
                constant(field.getName(), ((Number) field.get(null)).longValue());
            }
        }
        assertThat(checkedConstants).as("constants of the bindings this test compares with the C headers")
                .containsExactlyInAnyOrderElementsOf(constants().stream().map(Field::getName).toList());
        assertThat(java).containsExactlyInAnyOrderEntriesOf(cHeaders());
    }

    /** The public integer constants of {@link #CONSTANT_CLASSES}. */
    private static List<Field> constants() {
        return CONSTANT_CLASSES.stream().flatMap(type -> constants(type).stream()).toList();
    }

    private static List<Field> constants(Class<?> type) {
        return Arrays.stream(type.getDeclaredFields())
                .filter(field -> Modifier.isPublic(field.getModifiers()) && Modifier.isStatic(field.getModifiers())
                        && Modifier.isFinal(field.getModifiers()))
                .filter(field -> field.getType() == int.class || field.getType() == long.class)
                .toList();
    }

    private void size(String struct, GroupLayout layout) {
        java.put("sizeof " + struct, layout.byteSize());
    }

    private void offsets(String struct, GroupLayout layout, String... fields) {
        for (String field : fields) {
            java.put("offsetof " + struct + "." + field, layout.byteOffset(MemoryLayout.PathElement.groupElement(field)));
        }
    }

    private void constant(String name, long value) {
        java.put("const " + name, value);
        checkedConstants.add(name);
    }

    /** Compiles and runs the C program; its "key value" lines. */
    private static Map<String, Long> cHeaders() throws IOException, InterruptedException {
        Path binary = Path.of("target/mshv_layout");
        // The package's own x86-64 asm headers too, so that nothing of the host's older ones is mixed in.
        run("gcc", "-Wall", "-Werror", "-I", HEADERS.toString(), "-I", HEADERS.resolve("x86_64-linux-gnu").toString(),
                "-o", binary.toString(), "src/test/c/mshv_layout.c");
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : run(binary.toAbsolutePath().toString()).split("\n")) {
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return values;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("The layout test needs " + command[0] + " on the PATH: " + e.getMessage(), e);
        }
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("%s failed:%n%s", String.join(" ", command), text).isZero();
        return text.strip();
    }
}
