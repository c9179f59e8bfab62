package dev.hyperlight.nanvix.mshv;

import static dev.hyperlight.nanvix.mshv.sys.hv_h.*;
import static dev.hyperlight.nanvix.mshv.sys.mshv_h.*;

import dev.hyperlight.nanvix.mshv.sys.hv_input_get_vp_registers;
import dev.hyperlight.nanvix.mshv.sys.hv_input_set_partition_property;
import dev.hyperlight.nanvix.mshv.sys.hv_register_assoc;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_partition;
import dev.hyperlight.nanvix.mshv.sys.mshv_create_vp;
import dev.hyperlight.nanvix.mshv.sys.mshv_get_set_vp_state;
import dev.hyperlight.nanvix.mshv.sys.mshv_root_hvcall;
import dev.hyperlight.nanvix.mshv.sys.mshv_user_mem_region;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * An {@link MshvKernel} for tests without any hypervisor: it records every call the backend makes
 * in a readable form, keeps a VP's registers in a map (16-byte values by TLFS name), and answers
 * {@code MSHV_RUN_VP} from a queue of scripted outcomes (an {@code hv_message} or {@code -errno}).
 */
final class ScriptedMshvKernel implements MshvKernel {

    static final int DEVICE_FD = 100;
    static final int PARTITION_FD = 101;
    static final int VP_FD = 102;
    private static final int EIO = 5;

    /** What {@link #open} answers: a descriptor or {@code -errno}. */
    int openResult = DEVICE_FD;
    final List<String> calls = new ArrayList<>();
    final Map<Integer, byte[]> registers = new HashMap<>();
    byte[] xsave = new byte[512];
    /** The host address the last {@code MSHV_SET_GUEST_MEMORY} mapped. */
    long lastGuestMemory;
    /** Each run takes the next: fills the message and returns the ioctl's result. */
    final Deque<Function<MemorySegment, Integer>> runs = new ArrayDeque<>();
    /** Runs after the script ended: as if the guest spun until a signal. */
    Runnable onEmptyRun = () -> {};

    @Override
    public int open(Path device) {
        calls.add("open " + device);
        return openResult;
    }

    @Override
    @SuppressWarnings("restricted") // reads hypercall buffers by the addresses the backend passed
    public int ioctl(int fd, long request, MemorySegment argument) {
        if (fd == DEVICE_FD && request == MSHV_CHECK_EXTENSION) {
            calls.add("MSHV_CHECK_EXTENSION");
            return -25; // ENOTTY, as the root driver
        }
        if (fd == DEVICE_FD && request == MSHV_CREATE_PARTITION) {
            MemorySegment args = argument.reinterpret(mshv_create_partition.layout().byteSize());
            calls.add("MSHV_CREATE_PARTITION flags=" + mshv_create_partition.pt_flags(args) + " isolation="
                    + mshv_create_partition.pt_isolation(args));
            return PARTITION_FD;
        }
        if (fd == PARTITION_FD && request == MSHV_ROOT_HVCALL) {
            MemorySegment call = argument.reinterpret(mshv_root_hvcall.layout().byteSize());
            MemorySegment input = MemorySegment.ofAddress(mshv_root_hvcall.in_ptr(call))
                    .reinterpret(hv_input_set_partition_property.layout().byteSize());
            calls.add("HVCALL 0x" + Integer.toHexString(mshv_root_hvcall.code(call)) + " property=0x"
                    + Integer.toHexString(hv_input_set_partition_property.property_code(input)) + " value="
                    + hv_input_set_partition_property.property_value(input));
            return 0;
        }
        if (fd == PARTITION_FD && request == MSHV_INITIALIZE_PARTITION) {
            calls.add("MSHV_INITIALIZE_PARTITION");
            return 0;
        }
        if (fd == PARTITION_FD && request == MSHV_SET_GUEST_MEMORY) {
            MemorySegment region = argument.reinterpret(mshv_user_mem_region.layout().byteSize());
            lastGuestMemory = mshv_user_mem_region.userspace_addr(region);
            calls.add("MSHV_SET_GUEST_MEMORY size=" + mshv_user_mem_region.size(region) + " pfn="
                    + mshv_user_mem_region.guest_pfn(region) + " flags=" + mshv_user_mem_region.flags(region)
                    + " aligned=" + (mshv_user_mem_region.userspace_addr(region) % 4096 == 0));
            return 0;
        }
        if (fd == PARTITION_FD && request == MSHV_CREATE_VP) {
            calls.add("MSHV_CREATE_VP " + mshv_create_vp.vp_index(argument.reinterpret(4)));
            return VP_FD;
        }
        if (fd == VP_FD && request == MSHV_ROOT_HVCALL) {
            return registers(argument.reinterpret(mshv_root_hvcall.layout().byteSize()));
        }
        if (fd == VP_FD && (request == MSHV_GET_VP_STATE || request == MSHV_SET_VP_STATE)) {
            MemorySegment args = argument.reinterpret(mshv_get_set_vp_state.layout().byteSize());
            MemorySegment buffer = MemorySegment.ofAddress(mshv_get_set_vp_state.buf_ptr(args))
                    .reinterpret(Integer.toUnsignedLong(mshv_get_set_vp_state.buf_sz(args)));
            calls.add((request == MSHV_GET_VP_STATE ? "MSHV_GET_VP_STATE" : "MSHV_SET_VP_STATE") + " type="
                    + mshv_get_set_vp_state.type(args) + " size=" + buffer.byteSize());
            if (request == MSHV_GET_VP_STATE) {
                MemorySegment.copy(xsave, 0, buffer, ValueLayout.JAVA_BYTE, 0, xsave.length);
                mshv_get_set_vp_state.buf_sz(args, xsave.length);
            } else {
                xsave = buffer.asSlice(0, xsave.length).toArray(ValueLayout.JAVA_BYTE);
            }
            return 0;
        }
        if (fd == VP_FD && request == MSHV_RUN_VP) {
            calls.add("MSHV_RUN_VP");
            Function<MemorySegment, Integer> next = runs.poll();
            if (next == null) {
                onEmptyRun.run();
                return -4; // EINTR: the kick ended the spin
            }
            MemorySegment message = argument.reinterpret(MSHV_RUN_VP_BUF_SZ);
            message.fill((byte) 0);
            return next.apply(message);
        }
        calls.add("unexpected ioctl 0x" + Long.toHexString(request) + " on fd " + fd);
        return -25;
    }

    @SuppressWarnings("restricted")
    private int registers(MemorySegment call) {
        int code = mshv_root_hvcall.code(call);
        int count = mshv_root_hvcall.reps(call);
        long header = hv_input_get_vp_registers.layout().byteSize();
        MemorySegment input = MemorySegment.ofAddress(mshv_root_hvcall.in_ptr(call))
                .reinterpret(Short.toUnsignedInt(mshv_root_hvcall.in_sz(call)));
        if (hv_input_get_vp_registers.vp_index(input) != 0) {
            mshv_root_hvcall.status(call, (short) 0x5);
            return -EIO;
        }
        if (code == HVCALL_GET_VP_REGISTERS) {
            MemorySegment output = MemorySegment.ofAddress(mshv_root_hvcall.out_ptr(call)).reinterpret(16L * count);
            StringBuilder names = new StringBuilder("GET");
            for (int i = 0; i < count; i++) {
                int name = input.get(ValueLayout.JAVA_INT_UNALIGNED, header + 4L * i);
                names.append(" 0x").append(Integer.toHexString(name));
                MemorySegment.copy(registers.getOrDefault(name, new byte[16]), 0, output, ValueLayout.JAVA_BYTE,
                        16L * i, 16);
            }
            calls.add(names.toString());
        } else {
            StringBuilder names = new StringBuilder("SET");
            long assoc = hv_register_assoc.layout().byteSize();
            for (int i = 0; i < count; i++) {
                MemorySegment entry = input.asSlice(header + assoc * i, assoc);
                int name = hv_register_assoc.name(entry);
                names.append(" 0x").append(Integer.toHexString(name));
                registers.put(name, entry.asSlice(hv_register_assoc.value_low$OFFSET, 16).toArray(ValueLayout.JAVA_BYTE));
            }
            calls.add(names.toString());
        }
        mshv_root_hvcall.reps(call, (short) count);
        mshv_root_hvcall.status(call, (short) HV_STATUS_SUCCESS);
        return 0;
    }

    long register(int name) {
        return MemorySegment.ofArray(registers.getOrDefault(name, new byte[16])).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    @Override
    public int close(int fd) {
        calls.add("close " + fd);
        return 0;
    }
}
