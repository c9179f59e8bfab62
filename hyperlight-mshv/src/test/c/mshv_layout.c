/*
 * Prints the sizes, field offsets, ioctl numbers and constants that the Java bindings in
 * dev.hyperlight.nanvix.mshv.sys hard-code or compute, as "key value" lines, straight from
 * <linux/mshv.h> (Debian's linux-libc-dev, fetched by fetch-uapi-header.sh). MshvLayoutTest
 * compiles and runs it and compares every line. The C library's constants are
 * hyperlight-hostmem's libc_layout.c.
 */
#include <linux/ioctl.h> /* _IOW and the rest, which <linux/mshv.h> uses without including */
#include <linux/mshv.h>
#include <stddef.h>
#include <stdio.h>

#define SIZE(type) printf("sizeof %s %zu\n", #type, sizeof(struct type))
#define OFFSET(type, field) printf("offsetof %s.%s %zu\n", #type, #field, offsetof(struct type, field))
#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))

int main(void) {
    SIZE(mshv_create_partition);
    OFFSET(mshv_create_partition, pt_flags);
    OFFSET(mshv_create_partition, pt_isolation);

    SIZE(mshv_create_vp);
    OFFSET(mshv_create_vp, vp_index);

    SIZE(mshv_user_mem_region);
    OFFSET(mshv_user_mem_region, size);
    OFFSET(mshv_user_mem_region, guest_pfn);
    OFFSET(mshv_user_mem_region, userspace_addr);
    OFFSET(mshv_user_mem_region, flags);
    OFFSET(mshv_user_mem_region, rsvd);

    SIZE(mshv_root_hvcall);
    OFFSET(mshv_root_hvcall, code);
    OFFSET(mshv_root_hvcall, reps);
    OFFSET(mshv_root_hvcall, in_sz);
    OFFSET(mshv_root_hvcall, out_sz);
    OFFSET(mshv_root_hvcall, status);
    OFFSET(mshv_root_hvcall, rsvd);
    OFFSET(mshv_root_hvcall, in_ptr);
    OFFSET(mshv_root_hvcall, out_ptr);

    SIZE(mshv_get_set_vp_state);
    OFFSET(mshv_get_set_vp_state, type);
    OFFSET(mshv_get_set_vp_state, rsvd);
    OFFSET(mshv_get_set_vp_state, buf_sz);
    OFFSET(mshv_get_set_vp_state, buf_ptr);

    SIZE(mshv_run_vp);

    CONSTANT(MSHV_IOCTL);
    CONSTANT(MSHV_PT_ISOLATION_NONE);
    CONSTANT(MSHV_SET_MEM_BIT_WRITABLE);
    CONSTANT(MSHV_SET_MEM_BIT_EXECUTABLE);
    CONSTANT(MSHV_HV_PAGE_SIZE);
    CONSTANT(MSHV_RUN_VP_BUF_SZ);
    CONSTANT(MSHV_VP_STATE_XSAVE);
    CONSTANT(MSHV_CAP_CORE_API_STABLE);
    CONSTANT(MSHV_CREATE_PARTITION);
    CONSTANT(MSHV_CHECK_EXTENSION);
    CONSTANT(MSHV_INITIALIZE_PARTITION);
    CONSTANT(MSHV_CREATE_VP);
    CONSTANT(MSHV_SET_GUEST_MEMORY);
    CONSTANT(MSHV_ROOT_HVCALL);
    CONSTANT(MSHV_RUN_VP);
    CONSTANT(MSHV_GET_VP_STATE);
    CONSTANT(MSHV_SET_VP_STATE);

    return 0;
}
