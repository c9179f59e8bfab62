package dev.hyperlight.nanvix.hostmem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.hostmem.layout.LayoutProgram;
import dev.hyperlight.nanvix.hostmem.sys.ioctl_h;
import dev.hyperlight.nanvix.hostmem.sys.libc_h;
import dev.hyperlight.nanvix.hostmem.sys.sigaction;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Compiles {@code src/test/c/libc_layout.c} against this host's C library headers and checks that
 * {@code struct sigaction} and every constant of the C library bindings ({@code hostmem.sys}),
 * which host memory and both backends use, are what the headers say, and that the bindings have
 * no constant it does not check.
 */
@Tag("no-vm") // needs no hypervisor at all
class LibcLayoutTest {

    @Test
    void bindingsMatchTheCHeaders() throws Exception {
        Map<String, Long> java = new LinkedHashMap<>();
        java.put("sizeof sigaction", sigaction.layout().byteSize());
        for (String field : List.of("sa_handler", "sa_mask", "sa_flags", "sa_restorer")) {
            java.put("offsetof sigaction." + field,
                    sigaction.layout().byteOffset(MemoryLayout.PathElement.groupElement(field)));
        }
        assertThat(List.of(sigaction.sa_handler$OFFSET, sigaction.sa_mask$OFFSET, sigaction.sa_flags$OFFSET,
                sigaction.sa_restorer$OFFSET)).as("the accessors' offsets").containsExactly(
                java.get("offsetof sigaction.sa_handler"), java.get("offsetof sigaction.sa_mask"),
                java.get("offsetof sigaction.sa_flags"), java.get("offsetof sigaction.sa_restorer"));
        List<Field> constants = LayoutProgram.constants(List.of(ioctl_h.class, libc_h.class));
        assertThat(constants).as("constants of the C library bindings").isNotEmpty();
        for (Field field : constants) {
            java.put("const " + field.getName(), ((Number) field.get(null)).longValue());
        }

        assertThat(java).containsExactlyInAnyOrderEntriesOf(
                LayoutProgram.output(Path.of("src/test/c/libc_layout.c"), Path.of("target/libc_layout")));
    }
}
