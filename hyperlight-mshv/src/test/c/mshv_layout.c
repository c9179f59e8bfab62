/*
 * Prints the sizes, field offsets, ioctl numbers and constants that the Java bindings in
 * dev.hyperlight.nanvix.mshv.sys hard-code or compute, as "key value" lines, straight from
 * <linux/mshv.h> (Debian's linux-libc-dev, fetched by fetch-uapi-header.sh) and the C library's
 * headers. MshvLayoutTest compiles and runs it and compares every line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mshv.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

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

    SIZE(sigaction);
    OFFSET(sigaction, sa_handler);
    OFFSET(sigaction, sa_mask);
    OFFSET(sigaction, sa_flags);
    OFFSET(sigaction, sa_restorer);

    CONSTANT(_IOC_NONE);
    CONSTANT(_IOC_WRITE);
    CONSTANT(_IOC_READ);

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

    CONSTANT(O_RDWR);
    CONSTANT(O_CLOEXEC);
    CONSTANT(PROT_NONE);
    CONSTANT(PROT_READ);
    CONSTANT(PROT_WRITE);
    CONSTANT(MAP_PRIVATE);
    CONSTANT(MAP_ANONYMOUS);
    CONSTANT(MAP_NORESERVE);
    CONSTANT(MAP_FAILED);
    CONSTANT(EPERM);
    CONSTANT(ENOENT);
    CONSTANT(EINTR);
    CONSTANT(EACCES);
    CONSTANT(ENOTTY);
    CONSTANT(SIG_DFL);
    return 0;
}
