/* Ring-3 probe of the platform under /dev/kvm (see docs/guest-abi.md, "Platform notes").
 * A minimal VMM laid out like hyperlight-kvm's TestGuest: 2 MiB of RAM identity-mapped with one
 * user-accessible 2 MiB page, a GDT with kernel and user segments and a busy TSS, ring-0 code at
 * 0x1000 that does `out 0x80` and IRETQs to the user code at 0x1800. Unlike TestGuest it has an
 * IDT: every vector's ring-0 stub loads the vector into R15 and does `out 0x99`, and the probe
 * prints the vector and the exception frame (error code first where the vector has one). Exits
 * and registers are printed as they come.
 *   USER_CODE=hex        the user code (default: mov dx, 0x6e0; mov eax, 0x3333; out dx, eax;
 *                        hlt). E.g. USER_CODE=cd80 for `int 0x80`.
 *   RFLAGS=value         RFLAGS of the IRETQ frame (0x3002: IOPL 3).
 *   BITMAP=1             an I/O permission bitmap allowing ports 0..0x7ff in the TSS.
 *   LINUX=1              Linux's selectors (user CS 0x33, SS 0x2b) instead of TestGuest's
 *                        (0x23, 0x1b); UCS=, UDS= override them.
 *   IDT=0                no IDT (a fault is a triple fault, as in TestGuest).
 *   DPL3=n               give vector n's gate DPL 3 (all others have DPL 0).
 * Measured under kvm_pvm (session 7): IOPL 3 is not honoured in ring 3 (`out` raises #GP, saved
 * RFLAGS show IOPL 0), the bitmap is; `int N` raises #UD at the instruction for every N but 3, 4,
 * 23, 25 and 26, whatever the gate's DPL. Not part of the product. */
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
#define PML4 0x2000
#define PDPT 0x3000
#define PD 0x4000
#define GDT 0x5000
#define TSS 0x6000
#define IDT 0x7000
#define STUBS 0xa000
#define BITMAP_BYTES (0x800 / 8)

static uint8_t *m;

static void seg(struct kvm_segment *s, uint16_t sel, int code)
{
    memset(s, 0, sizeof *s);
    s->selector = sel; s->limit = 0xffffffff; s->present = 1; s->s = 1; s->g = 1;
    s->type = code ? 11 : 3; s->l = code; s->db = !code;
}

static int hex(const char *h, uint8_t *out)
{
    int n = 0;
    while (*h) {
        if (*h == ' ') { h++; continue; }
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1) break;
        out[n++] = v;
        h += 2;
    }
    return n;
}

static long env(const char *name, long fallback)
{
    char *e = getenv(name);
    return e ? strtol(e, 0, 0) : fallback;
}

static void push_imm32(uint8_t *code, int *p, int32_t v)
{
    code[(*p)++] = 0x68;
    memcpy(code + *p, &v, 4);
    *p += 4;
}

int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR);
    if (kvm < 0) { perror("/dev/kvm"); return 1; }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    m = mmap(0, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = MEM,
                                                 .userspace_addr = (uint64_t)m};
    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    struct kvm_run *run = mmap(0, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = {.c.nent = 256};
    ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid);
    if (ioctl(vcpu, KVM_SET_CPUID2, &cpuid)) perror("KVM_SET_CPUID2");

    int linux_layout = env("LINUX", 0);
    int kcs = linux_layout ? 0x10 : 0x08, kds = linux_layout ? 0x18 : 0x10;
    int uds = env("UDS", linux_layout ? 0x2b : 0x1b), ucs = env("UCS", linux_layout ? 0x33 : 0x23);
    int tss_sel = linux_layout ? 0x40 : 0x28, gdt_entries = linux_layout ? 10 : 7;

    *(uint64_t *)(m + PML4) = PDPT | 7;
    *(uint64_t *)(m + PDPT) = PD | 7;
    *(uint64_t *)(m + PD) = 0 | 7 | 0x80;

    int bitmap = env("BITMAP", 0);
    uint32_t tss_limit = bitmap ? 0x68 + BITMAP_BYTES : 0x67;
    *(uint16_t *)(m + TSS + 0x66) = 0x68; /* I/O bitmap base: right after the TSS */
    if (bitmap) m[TSS + 0x68 + BITMAP_BYTES] = 0xff;
    *(uint64_t *)(m + TSS + 4) = 0x9000; /* RSP0 */

    uint64_t *gdt = (void *)(m + GDT);
    gdt[kcs / 8] = 0x00af9b000000ffffULL;
    gdt[kds / 8] = 0x00cf93000000ffffULL;
    gdt[(uds & ~3) / 8] = 0x00cff3000000ffffULL;
    gdt[(ucs & ~3) / 8] = 0x00affb000000ffffULL;
    if (linux_layout) gdt[0x20 / 8] = 0x00cffb000000ffffULL; /* 32-bit user code */
    gdt[tss_sel / 8] = tss_limit | ((uint64_t)TSS << 16) | (0x8bULL << 40);
    gdt[tss_sel / 8 + 1] = 0;

    /* ring 0 at 0x1000: mov al, 0; out 0x80, al; IRETQ frame; iretq */
    uint8_t *k = m + 0x1000;
    int p = 0;
    k[p++] = 0xb0; k[p++] = 0; k[p++] = 0xe6; k[p++] = 0x80;
    push_imm32(k, &p, uds);
    push_imm32(k, &p, 0x8000);
    push_imm32(k, &p, env("RFLAGS", 2));
    push_imm32(k, &p, ucs);
    push_imm32(k, &p, 0x1800);
    k[p++] = 0x48; k[p++] = 0xcf;
    char *user = getenv("USER_CODE");
    hex(user ? user : "66bae006b833330000eff4", m + 0x1800);

    int dpl3 = env("DPL3", -1);
    for (int v = 0; v < 256; v++) {
        uint64_t stub = STUBS + v * 16;
        uint8_t *s = m + stub;
        int q = 0;
        s[q++] = 0x41; s[q++] = 0xbf; memcpy(s + q, &v, 4); q += 4; /* mov r15d, v */
        s[q++] = 0x66; s[q++] = 0xba; s[q++] = 0x99; s[q++] = 0x00; s[q++] = 0xee; /* mov dx, 0x99; out dx, al */
        s[q++] = 0xf4; s[q++] = 0xeb; s[q++] = 0xfd; /* hlt; jmp back */
        uint64_t *gate = (void *)(m + IDT + v * 16);
        uint64_t dpl = v == dpl3 ? 3 : 0;
        gate[0] = (stub & 0xffff) | ((uint64_t)kcs << 16) | ((0x8eULL | dpl << 5) << 40) | ((stub >> 16 & 0xffff) << 48);
        gate[1] = stub >> 32;
    }

    struct kvm_sregs sregs;
    ioctl(vcpu, KVM_GET_SREGS, &sregs);
    int idt = env("IDT", 1);
    sregs.gdt.base = GDT; sregs.gdt.limit = gdt_entries * 8 - 1;
    sregs.idt.base = idt ? IDT : 0; sregs.idt.limit = idt ? 4095 : 0;
    seg(&sregs.cs, kcs, 1);
    seg(&sregs.ds, kds, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    memset(&sregs.tr, 0, sizeof sregs.tr);
    sregs.tr.base = TSS; sregs.tr.limit = tss_limit; sregs.tr.selector = tss_sel; sregs.tr.type = 11; sregs.tr.present = 1;
    sregs.cr3 = PML4; sregs.cr4 = 0x20; sregs.cr0 = 0x80050033; sregs.efer = 0x500;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs)) perror("KVM_SET_SREGS");
    struct kvm_regs regs = {.rflags = 2, .rip = 0x1000, .rsp = 0x9000};
    ioctl(vcpu, KVM_SET_REGS, &regs);

    for (int exits = 0; exits < 5;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR) continue;
            perror("KVM_RUN");
            return 1;
        }
        exits++;
        struct kvm_regs r;
        struct kvm_sregs s;
        ioctl(vcpu, KVM_GET_REGS, &r);
        ioctl(vcpu, KVM_GET_SREGS, &s);
        printf("exit %d", run->exit_reason);
        if (run->exit_reason == KVM_EXIT_IO)
            printf(" io port %#x size %d value %#x", run->io.port, run->io.size,
                   *(uint32_t *)((uint8_t *)run + run->io.data_offset));
        printf(" rip %#llx rsp %#llx rax %#llx rflags %#llx cs %#x ss %#x\n", r.rip, r.rsp, r.rax, r.rflags,
               s.cs.selector, s.ss.selector);
        if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x99) {
            uint64_t *frame = (void *)(m + r.rsp);
            printf("  vector %lld frame:", r.r15);
            for (int j = 0; j < 6; j++) printf(" %#lx", frame[j]);
            printf("\n");
            return 0;
        }
        if (run->exit_reason != KVM_EXIT_IO) {
            if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) printf("suberror %d\n", run->internal.suberror);
            return 0;
        }
    }
    return 0;
}
