package dev.hyperlight.nanvix.mshv.sys;

import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IO;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOR;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOW;
import static dev.hyperlight.nanvix.hostmem.sys.ioctl_h._IOWR;

/**
 * Constants and ioctl request numbers of {@code <linux/mshv.h>} (x86-64) that this backend uses.
 * MshvLayoutTest checks each against the header of Debian's {@code linux-libc-dev}.
 */
public final class mshv_h {

    private mshv_h() {}

    public static final int MSHV_IOCTL = 0xB8;

    /** {@code mshv_create_partition.pt_isolation}: none. (Of its flags this backend sets none: no LAPIC, so no SynIC.) */
    public static final int MSHV_PT_ISOLATION_NONE = 0;

    /** Bits of {@code mshv_user_mem_region.flags}. */
    public static final int MSHV_SET_MEM_BIT_WRITABLE = 0;
    public static final int MSHV_SET_MEM_BIT_EXECUTABLE = 1;

    public static final int MSHV_HV_PAGE_SIZE = 0x1000;
    public static final int MSHV_RUN_VP_BUF_SZ = 256;
    public static final int MSHV_VP_STATE_XSAVE = 1;
    public static final int MSHV_CAP_CORE_API_STABLE = 0x0;

    // /dev/mshv
    public static final long MSHV_CREATE_PARTITION = _IOW(MSHV_IOCTL, 0x00, mshv_create_partition.layout().byteSize());
    public static final long MSHV_CHECK_EXTENSION = _IOW(MSHV_IOCTL, 0x00, 4);

    // partition fds
    public static final long MSHV_INITIALIZE_PARTITION = _IO(MSHV_IOCTL, 0x00);
    public static final long MSHV_CREATE_VP = _IOW(MSHV_IOCTL, 0x01, mshv_create_vp.layout().byteSize());
    public static final long MSHV_SET_GUEST_MEMORY = _IOW(MSHV_IOCTL, 0x02, mshv_user_mem_region.layout().byteSize());
    /** On partition and VP fds: a hypercall from the allowed list, its partition id filled in by the kernel. */
    public static final long MSHV_ROOT_HVCALL = _IOWR(MSHV_IOCTL, 0x07, mshv_root_hvcall.layout().byteSize());

    // VP fds
    public static final long MSHV_RUN_VP = _IOR(MSHV_IOCTL, 0x00, MSHV_RUN_VP_BUF_SZ);
    public static final long MSHV_GET_VP_STATE = _IOWR(MSHV_IOCTL, 0x01, mshv_get_set_vp_state.layout().byteSize());
    public static final long MSHV_SET_VP_STATE = _IOWR(MSHV_IOCTL, 0x02, mshv_get_set_vp_state.layout().byteSize());
}
