package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hyperlight.nanvix.mshv.sys.hv_h;
import dev.hyperlight.nanvix.mshv.sys.hv_input_get_vp_registers;
import dev.hyperlight.nanvix.mshv.sys.hv_input_set_partition_property;
import dev.hyperlight.nanvix.mshv.sys.hv_message;
import dev.hyperlight.nanvix.mshv.sys.hv_register_assoc;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_intercept_message_header;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_io_port_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_memory_intercept_message;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_segment_register;
import dev.hyperlight.nanvix.mshv.sys.hv_x64_table_register;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The structures and constants of the Hyper-V TLFS that the bindings define themselves (no UAPI
 * header carries them) against the sizes, offsets and values the specification documents, written
 * out here from it: {@code HV_MESSAGE} (a 16-byte header and 240 bytes of payload), the x64
 * intercept message header (40 bytes) and the I/O port (128) and memory (80) intercept messages,
 * {@code HV_X64_SEGMENT_REGISTER} and {@code HV_X64_TABLE_REGISTER} (16 each), {@code
 * HV_REGISTER_ASSOC} (32, its value 16-byte aligned), the register names and message types.
 */
@Tag("no-vm")
class TlfsLayoutTest {

    @Test
    void structuresHaveTheDocumentedLayout() {
        Map<String, Long> documented = new LinkedHashMap<>();
        Map<String, Long> bound = new LinkedHashMap<>();
        expect(documented, bound, hv_message.layout(), 256,
                "message_type", 0, "payload_size", 4, "message_flags", 5, "reserved", 6, "sender", 8, "payload", 16);
        expect(documented, bound, hv_x64_intercept_message_header.layout(), 40,
                "vp_index", 0, "instruction_length_cr8", 4, "intercept_access_type", 5, "execution_state", 6,
                "cs_segment", 8, "rip", 24, "rflags", 32);
        expect(documented, bound, hv_x64_io_port_intercept_message.layout(), 128,
                "header", 0, "port_number", 40, "access_info", 42, "instruction_byte_count", 43, "reserved", 44,
                "rax", 48, "instruction_bytes", 56, "ds_segment", 72, "es_segment", 88, "rcx", 104, "rsi", 112,
                "rdi", 120);
        expect(documented, bound, hv_x64_memory_intercept_message.layout(), 80,
                "header", 0, "cache_type", 40, "instruction_byte_count", 44, "memory_access_info", 45,
                "tpr_priority", 46, "reserved1", 47, "guest_virtual_address", 48, "guest_physical_address", 56,
                "instruction_bytes", 64);
        expect(documented, bound, hv_x64_segment_register.layout(), 16,
                "base", 0, "limit", 8, "selector", 12, "attributes", 14);
        expect(documented, bound, hv_x64_table_register.layout(), 16, "pad", 0, "limit", 6, "base", 8);
        expect(documented, bound, hv_register_assoc.layout(), 32,
                "name", 0, "reserved1", 4, "reserved2", 8, "value_low", 16, "value_high", 24);
        expect(documented, bound, hv_input_get_vp_registers.layout(), 16,
                "partition_id", 0, "vp_index", 8, "input_vtl", 12, "rsvd", 13);
        expect(documented, bound, hv_input_set_partition_property.layout(), 24,
                "partition_id", 0, "property_code", 8, "padding", 12, "property_value", 16);
        assertThat(bound).containsExactlyEntriesOf(documented);
    }

    @Test
    void constantsHaveTheDocumentedValues() throws IllegalAccessException {
        Map<String, Long> documented = new LinkedHashMap<>();
        documented.put("HVCALL_SET_PARTITION_PROPERTY", 0x0045L);
        documented.put("HVCALL_GET_VP_REGISTERS", 0x0050L);
        documented.put("HVCALL_SET_VP_REGISTERS", 0x0051L);
        documented.put("HV_STATUS_SUCCESS", 0L);
        documented.put("HV_PARTITION_PROPERTY_SYNTHETIC_PROC_FEATURES", 0x00010001L);
        documented.put("HVMSG_UNMAPPED_GPA", 0x80000000L);
        documented.put("HVMSG_GPA_INTERCEPT", 0x80000001L);
        documented.put("HVMSG_INVALID_VP_REGISTER_VALUE", 0x80000020L);
        documented.put("HVMSG_UNRECOVERABLE_EXCEPTION", 0x80000021L);
        documented.put("HVMSG_UNSUPPORTED_FEATURE", 0x80000022L);
        documented.put("HVMSG_X64_IO_PORT_INTERCEPT", 0x80010000L);
        documented.put("HVMSG_X64_HALT", 0x80010007L);
        documented.put("HV_INTERCEPT_ACCESS_READ", 0L);
        documented.put("HV_INTERCEPT_ACCESS_WRITE", 1L);
        String[] general = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12",
            "R13", "R14", "R15", "RIP", "RFLAGS"};
        for (int i = 0; i < general.length; i++) {
            documented.put("HV_X64_REGISTER_" + general[i], 0x00020000L + i);
        }
        String[] control = {"CR0", "CR2", "CR3", "CR4", "CR8", "XFEM"};
        for (int i = 0; i < control.length; i++) {
            documented.put("HV_X64_REGISTER_" + control[i], 0x00040000L + i);
        }
        String[] segments = {"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"};
        for (int i = 0; i < segments.length; i++) {
            documented.put("HV_X64_REGISTER_" + segments[i], 0x00060000L + i);
        }
        documented.put("HV_X64_REGISTER_IDTR", 0x00070000L);
        documented.put("HV_X64_REGISTER_GDTR", 0x00070001L);
        documented.put("HV_X64_REGISTER_TSC", 0x00080000L);
        documented.put("HV_X64_REGISTER_EFER", 0x00080001L);
        documented.put("HV_X64_REGISTER_KERNEL_GS_BASE", 0x00080002L);
        documented.put("HV_X64_REGISTER_APIC_BASE", 0x00080003L);
        documented.put("HV_X64_REGISTER_PAT", 0x00080004L);
        documented.put("HV_X64_REGISTER_STAR", 0x00080008L);
        documented.put("HV_X64_REGISTER_LSTAR", 0x00080009L);
        documented.put("HV_X64_REGISTER_CSTAR", 0x0008000AL);
        documented.put("HV_X64_REGISTER_SFMASK", 0x0008000BL);
        documented.put("HV_X64_REGISTER_TSC_AUX", 0x0008007BL);

        Map<String, Long> bound = new LinkedHashMap<>();
        for (Field field : hv_h.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == int.class) {
                bound.put(field.getName(), Integer.toUnsignedLong(field.getInt(null)));
            }
        }
        assertThat(bound).containsExactlyInAnyOrderEntriesOf(documented);
        assertThat(HVMSG_X64_HALT).isEqualTo(0x80010007);
    }

    private static void expect(Map<String, Long> documented, Map<String, Long> bound, GroupLayout layout, long size,
            Object... fieldsAndOffsets) {
        documented.put("sizeof " + layout.name().orElseThrow(), size);
        bound.put("sizeof " + layout.name().orElseThrow(), layout.byteSize());
        for (int i = 0; i < fieldsAndOffsets.length; i += 2) {
            String field = (String) fieldsAndOffsets[i];
            String key = "offsetof " + layout.name().orElseThrow() + "." + field;
            documented.put(key, ((Integer) fieldsAndOffsets[i + 1]).longValue());
            bound.put(key, layout.byteOffset(MemoryLayout.PathElement.groupElement(field)));
        }
        // Every field of the binding is checked: none is left out.
        assertThat(Arrays.stream(fieldsAndOffsets).filter(String.class::isInstance).count())
                .as("fields of %s checked", layout.name().orElseThrow())
                .isEqualTo(layout.memberLayouts().stream().filter(member -> member.name().isPresent()).count());
    }
}
