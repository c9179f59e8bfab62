package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hostmem.layout.LayoutProgram;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_partition;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_vp;
import dev.hyperlight.nanvix.mshv.sys.mshv_get_set_vp_state;
import dev.hyperlight.nanvix.mshv.sys.mshv_h;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import dev.hyperlight.nanvix.mshv.sys.mshv_user_mem_region;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Compiles {@code src/test/c/mshv_layout.c} against the real {@code <linux/mshv.h>} (Debian
 * unstable's {@code linux-libc-dev}, which {@code fetch-uapi-header.sh} unpacked into {@code
 * target/}), and checks that every size, offset, ioctl number and constant it prints is what the
 * Java bindings use, and that the bindings use nothing it does not check. The C library's bindings
 * the backend uses ({@code hostmem.sys}) are checked by hyperlight-hostmem's {@code
 * LibcLayoutTest}.
 */
@Tag("no-vm") // needs no hypervisor at all
class MshvLayoutTest {

    /** The classes of hand-written constants: every one of their constants must be checked here. */
    private static final List<Class<?>> CONSTANT_CLASSES = List.of(mshv_h.class);
    private static final Path HEADERS = Path.of("target/linux-libc-dev/usr/include");

    private final Map<String, Long> java = new LinkedHashMap<>();

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

        List<Field> constants = LayoutProgram.constants(CONSTANT_CLASSES);
        assertThat(constants).as("constants of the bindings").isNotEmpty();
        for (Field field : constants) {
            java.put("const " + field.getName(), ((Number) field.get(null)).longValue());
        }
        // The package's own x86-64 asm headers too, so that nothing of the host's older ones is mixed in.
        assertThat(java).containsExactlyInAnyOrderEntriesOf(LayoutProgram.output(Path.of("src/test/c/mshv_layout.c"),
                Path.of("target/mshv_layout"), "-I", HEADERS.toString(), "-I",
                HEADERS.resolve("x86_64-linux-gnu").toString()));
    }

    private void size(String struct, GroupLayout layout) {
        java.put("sizeof " + struct, layout.byteSize());
    }

    private void offsets(String struct, GroupLayout layout, String... fields) {
        for (String field : fields) {
            java.put("offsetof " + struct + "." + field, layout.byteOffset(MemoryLayout.PathElement.groupElement(field)));
        }
    }
}
