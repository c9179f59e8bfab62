/* Where KVM leaves RIP at an I/O exit (see docs/guest-abi.md, "Platform notes"): a minimal VMM
 * whose ring-0 guest runs one in/out of each form, then HLT. For each exit it prints RIP and RAX
 * at the exit, what KVM_TRANSLATE makes of RIP, and RIP and RAX after a KVM_RUN with
 * immediate_exit, which completes the exit without entering the guest (an `in` gets the bytes
 * ab cd ef 99). On hardware KVM RIP is on the instruction at the exit and the completion moves
 * it; under PVM's emulator an `out` is already finished at the exit. HIGH=1 runs the same code
 * at 0xffff800000001000 (PML4 slot 256) instead of its identity address 0x1000.
 * Not part of the product: the measurement behind the mshv test harness's I/O intercepts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>
#define MEM (2 << 20)
static void seg(struct kvm_segment *s, uint16_t sel, int code) {
    memset(s, 0, sizeof *s);
    s->selector = sel; s->limit = 0xffffffff; s->present = 1; s->s = 1; s->g = 1;
    s->type = code ? 11 : 3; s->l = code; s->db = code ? 0 : 1;
}
int main(void) {
    int k = open("/dev/kvm", O_RDWR);
    if (k < 0) { perror("/dev/kvm"); return 1; }
    int vm = ioctl(k, KVM_CREATE_VM, 0);
    uint8_t *m = mmap(0, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region r = {.slot = 0, .guest_phys_addr = 0, .memory_size = MEM, .userspace_addr = (uint64_t)m};
    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
    int vc = ioctl(vm, KVM_CREATE_VCPU, 0);
    int sz = ioctl(k, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(0, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vc, 0);
    struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cp = {.c.nent = 256};
    ioctl(k, KVM_GET_SUPPORTED_CPUID, &cp);
    ioctl(vc, KVM_SET_CPUID2, &cp);
    uint8_t code[] = {
        0xba, 0x34, 0x12, 0, 0,       /* mov edx, 0x1234 */
        0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
        0xee,                         /* out dx, al */
        0xef,                         /* out dx, eax */
        0x66, 0xef,                   /* out dx, ax */
        0xe6, 0x80,                   /* out 0x80, al */
        0xe7, 0x81,                   /* out 0x81, eax */
        0x3e, 0x66, 0xef,             /* ds out dx, ax */
        0x48, 0xef,                   /* rex.w out dx, eax */
        0x66, 0x48, 0xef,             /* 66 rex.w out dx, eax */
        0x48, 0x66, 0xef,             /* rex.w (not last) 66 out dx, ax */
        0xec,                         /* in al, dx */
        0xed,                         /* in eax, dx */
        0xe4, 0x60,                   /* in al, 0x60 */
        0x66, 0xe5, 0x61,             /* in ax, 0x61 */
        0xf4};                        /* hlt */
    memcpy(m + 0x1000, code, sizeof code);
    uint64_t *pml4 = (void *)(m + 0x50000), *pdpt = (void *)(m + 0x51000), *pd = (void *)(m + 0x52000);
    pml4[0] = 0x51000 | 3; pml4[256] = 0x51000 | 3; pdpt[0] = 0x52000 | 3; pd[0] = 0x83;
    uint64_t *gdt = (void *)(m + 0x60000);
    gdt[2] = 0x00af9a000000ffffULL; gdt[3] = 0x00cf92000000ffffULL;
    struct kvm_sregs s;
    ioctl(vc, KVM_GET_SREGS, &s);
    s.gdt.base = 0x60000; s.gdt.limit = 79;
    seg(&s.cs, 0x10, 1); seg(&s.ds, 0x18, 0); s.es = s.fs = s.gs = s.ss = s.ds;
    s.tr.base = 0x61000; s.tr.limit = 0x67; s.tr.selector = 0; s.tr.type = 11; s.tr.present = 1;
    s.cr3 = 0x50000; s.cr4 = 0x620; s.cr0 = 0x80050033; s.efer = 0xd01;
    if (ioctl(vc, KVM_SET_SREGS, &s)) perror("KVM_SET_SREGS");
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rflags = 2; regs.rsp = 0x9000;
    regs.rip = getenv("HIGH") ? 0xffff800000001000ULL : 0x1000;
    ioctl(vc, KVM_SET_REGS, &regs);
    for (;;) {
        if (ioctl(vc, KVM_RUN, 0) < 0) { if (errno == EINTR) continue; perror("KVM_RUN"); return 1; }
        struct kvm_regs a;
        ioctl(vc, KVM_GET_REGS, &a);
        if (run->exit_reason != KVM_EXIT_IO) { printf("exit %d rip %#llx\n", run->exit_reason, a.rip); return 0; }
        printf("%s port %#x size %d: rip %#llx rax %#llx", run->io.direction ? "out" : "in ", run->io.port,
               run->io.size, a.rip, a.rax);
        struct kvm_translation t = {.linear_address = a.rip};
        int tr = ioctl(vc, KVM_TRANSLATE, &t);
        printf(" [KVM_TRANSLATE %d: %#llx valid %d]", tr, t.physical_address, t.valid);
        if (run->io.direction == KVM_EXIT_IO_IN) memcpy((uint8_t *)run + run->io.data_offset, "\xab\xcd\xef\x99", 4);
        run->immediate_exit = 1;
        int c = ioctl(vc, KVM_RUN, 0), e = errno;
        run->immediate_exit = 0;
        struct kvm_regs b;
        ioctl(vc, KVM_GET_REGS, &b);
        printf(" | completed (%d, errno %d): rip %#llx rax %#llx\n", c, e, b.rip, b.rax);
    }
}
