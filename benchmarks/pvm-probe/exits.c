/* Is a ring-3 `int3` exit cheaper than a ring-3 `out` exit? (docs/guest-abi.md, "The system-call
 * door"). A minimal VMM laid out as ring3.c (2 MiB identity-mapped, one user-accessible 2 MiB page,
 * GDT with TestGuest's selectors, busy TSS whose I/O bitmap allows ports 0..0x7ff, an IDT whose
 * every vector's ring-0 stub loads the vector into R15 and does `out 0x99`). Ring-0 code at 0x1000
 * does `out 0x80` and IRETQs to the user code at 0x1800.
 *   ./exits           timing: each loop in a fresh VM, N exits (N=20000) repeated REPS=5 times,
 *                     the VMM resuming each exit at once; per-exit mean and min (the time from one
 *                     KVM_RUN return to the next, the VMM's handling included):
 *                       out3   ring 3: out 0x6e, al; jmp back
 *                       int3   ring 3: int3; jmp back  (KVM_SET_GUEST_DEBUG ENABLE|USE_SW_BP:
 *                              KVM_EXIT_DEBUG; RIP moved past the int3 if KVM leaves it on it)
 *                       out0   ring 0: out 0x80, al; jmp back  (KvmBenchmarks.exitRoundTrip)
 *                     each also "+door": the VMM writes RIP (the loop) and RAX into kvm_run's
 *                     sync regs on every exit and marks them dirty, as GuestRun.door() does; and
 *                     the out loops again with guest debug enabled ("+dbg").
 *   ./exits sem       semantics, one case a line: what a ring-3 (and a ring-0) int3 gives with
 *                     guest debug enabled (exit, exception, debug.arch.pc, RIP), how a #BP is
 *                     handed back to the guest (KVM_SET_VCPU_EVENTS exception.injected=1 nr=3,
 *                     or KVM_GUESTDBG_INJECT_BP) and what RIP the guest's #BP frame then holds,
 *                     and whether a ring-3 single step (TF) still reaches the guest's #DB.
 *                     Also int3>guest: ring-3 `int3; jmp back` whose #BP the guest's own handler
 *                     takes (`out 0x99, al; iretq`, ring 0: emulated), each exit being that out.
 * Measured under this machine's kvm_pvm (2026-12-07, 6.18.44-fc-v1300, load 0.5-2.1; 3 runs of
 * ./exits, each 5 x 20,000 exits; us per exit, mean best/median over the runs, min):
 *   out3 (ring-3 out 0x6e, bitmap)  mean 37.4-40.1 / 39.6-42.3   min 35.5-35.7
 *   out0 (ring-0 out 0x80)          mean  7.7-9.9  /  7.9-11.6   min 7.1-7.4
 *   out0+door (no emulated jmp)     mean  7.0-8.6  /  7.2-9.6    min 6.5-7.0
 *   out3+door                       like out3 (min 35.6-36.1)
 *   int3>guest (guest #BP handler)  mean 42.7-50.2 / 43.4-56.1   min 39.9-40.6
 *   +dbg (guest debug enabled): no change in out3, out0 or int3>guest.
 *   int3: there is no exit to time. KVM_SET_GUEST_DEBUG(ENABLE|USE_SW_BP) is accepted (returns 0)
 *   but a ring-3 int3 still goes to the guest's own #BP gate, frame RIP past the int3, as without
 *   it: no KVM_EXIT_DEBUG ever. A ring-0 int3 is KVM_EXIT_INTERNAL_ERROR suberror 1 with or
 *   without guest debug (the emulator has no INT3). A #BP handed to the guest with
 *   KVM_SET_VCPU_EVENTS (injected=1, nr=3) or KVM_GUESTDBG_INJECT_BP at a ring-3 out exit reaches
 *   its gate with the current RIP in the frame. A ring-3 TF single step reaches the guest's #DB
 *   (frame RIP after the instruction after popfq) with or without USE_SW_BP; KVM_GUESTDBG_SINGLESTEP
 *   does work (KVM_EXIT_DEBUG exception 1 after the first ring-0 instruction, dr6 0xffff4ff0);
 *   USE_HW_BP is ignored (KVM_CAP_GUEST_DEBUG_HW_BPS 0; a DR0 execution breakpoint never fires).
 * So under PVM a ring-3 int3 cannot ring the host; a ring-3 out costs ~28 us more than a ring-0
 * one, and an int3 through the guest's #BP handler costs more than the out. Not part of the
 * product. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <fcntl.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
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
#define USER 0x1800
#define BITMAP_BYTES (0x800 / 8)
#define KCS 0x08
#define KDS 0x10
#define UDS 0x1b
#define UCS 0x23

static int kvm;

struct vm {
    int fd, vcpu;
    uint8_t *m;
    struct kvm_run *run;
};

static void seg(struct kvm_segment *s, uint16_t sel, int code)
{
    memset(s, 0, sizeof *s);
    s->selector = sel; s->limit = 0xffffffff; s->present = 1; s->s = 1; s->g = 1;
    s->type = code ? 11 : 3; s->l = code; s->db = !code;
}

static void push_imm32(uint8_t *code, int *p, int32_t v)
{
    code[(*p)++] = 0x68;
    memcpy(code + *p, &v, 4);
    *p += 4;
}

/* A fresh VM. kernel: ring-0 code at 0x1000 (NULL: out 0x80, then IRETQ to USER); user: ring-3
 * code at USER. */
static struct vm make_vm(const uint8_t *kernel, int klen, const uint8_t *user, int ulen)
{
    struct vm v;
    v.fd = ioctl(kvm, KVM_CREATE_VM, 0);
    if (v.fd < 0) { perror("KVM_CREATE_VM"); exit(1); }
    v.m = mmap(0, MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct kvm_userspace_memory_region region = {.slot = 0, .guest_phys_addr = 0, .memory_size = MEM,
                                                 .userspace_addr = (uint64_t)v.m};
    if (ioctl(v.fd, KVM_SET_USER_MEMORY_REGION, &region)) { perror("KVM_SET_USER_MEMORY_REGION"); exit(1); }
    v.vcpu = ioctl(v.fd, KVM_CREATE_VCPU, 0);
    v.run = mmap(0, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, v.vcpu, 0);
    struct { struct kvm_cpuid2 c; struct kvm_cpuid_entry2 e[256]; } cpuid = {.c.nent = 256};
    ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid);
    if (ioctl(v.vcpu, KVM_SET_CPUID2, &cpuid)) perror("KVM_SET_CPUID2");
    uint8_t *m = v.m;

    *(uint64_t *)(m + PML4) = PDPT | 7;
    *(uint64_t *)(m + PDPT) = PD | 7;
    *(uint64_t *)(m + PD) = 0 | 7 | 0x80;

    uint32_t tss_limit = 0x68 + BITMAP_BYTES;
    *(uint16_t *)(m + TSS + 0x66) = 0x68;
    m[TSS + 0x68 + BITMAP_BYTES] = 0xff;
    *(uint64_t *)(m + TSS + 4) = 0x9000; /* RSP0 */

    uint64_t *gdt = (void *)(m + GDT);
    gdt[KCS / 8] = 0x00af9b000000ffffULL;
    gdt[KDS / 8] = 0x00cf93000000ffffULL;
    gdt[UDS / 8] = 0x00cff3000000ffffULL;
    gdt[UCS / 8] = 0x00affb000000ffffULL;
    gdt[5] = tss_limit | ((uint64_t)TSS << 16) | (0x8bULL << 40);
    gdt[6] = 0;

    if (kernel) memcpy(m + 0x1000, kernel, klen);
    else {
        uint8_t *k = m + 0x1000;
        int p = 0;
        k[p++] = 0xb0; k[p++] = 0; k[p++] = 0xe6; k[p++] = 0x80; /* mov al, 0; out 0x80, al */
        push_imm32(k, &p, UDS);
        push_imm32(k, &p, 0x8000);
        push_imm32(k, &p, 2);
        push_imm32(k, &p, UCS);
        push_imm32(k, &p, USER);
        k[p++] = 0x48; k[p++] = 0xcf; /* iretq */
    }
    if (user) memcpy(m + USER, user, ulen);

    for (int n = 0; n < 256; n++) {
        uint64_t stub = STUBS + n * 16;
        uint8_t *s = m + stub;
        int q = 0;
        s[q++] = 0x41; s[q++] = 0xbf; memcpy(s + q, &n, 4); q += 4; /* mov r15d, n */
        s[q++] = 0x66; s[q++] = 0xba; s[q++] = 0x99; s[q++] = 0x00; s[q++] = 0xee; /* mov dx, 0x99; out dx, al */
        s[q++] = 0xf4; s[q++] = 0xeb; s[q++] = 0xfd;
        uint64_t *gate = (void *)(m + IDT + n * 16);
        uint64_t dpl = n == 3 || n == 4 ? 3 : 0; /* as the guest kernel's IDT */
        gate[0] = (stub & 0xffff) | ((uint64_t)KCS << 16) | ((0x8eULL | dpl << 5) << 40) | ((stub >> 16 & 0xffff) << 48);
        gate[1] = stub >> 32;
    }

    struct kvm_sregs sregs;
    ioctl(v.vcpu, KVM_GET_SREGS, &sregs);
    sregs.gdt.base = GDT; sregs.gdt.limit = 7 * 8 - 1;
    sregs.idt.base = IDT; sregs.idt.limit = 4095;
    seg(&sregs.cs, KCS, 1);
    seg(&sregs.ds, KDS, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    memset(&sregs.tr, 0, sizeof sregs.tr);
    sregs.tr.base = TSS; sregs.tr.limit = tss_limit; sregs.tr.selector = 0x28; sregs.tr.type = 11; sregs.tr.present = 1;
    sregs.cr3 = PML4; sregs.cr4 = 0x20; sregs.cr0 = 0x80050033; sregs.efer = 0x500;
    if (ioctl(v.vcpu, KVM_SET_SREGS, &sregs)) perror("KVM_SET_SREGS");
    struct kvm_regs regs = {.rflags = 2, .rip = 0x1000, .rsp = 0x9000};
    ioctl(v.vcpu, KVM_SET_REGS, &regs);
    return v;
}

static void drop_vm(struct vm *v)
{
    close(v->vcpu);
    close(v->fd);
    munmap(v->m, MEM);
}

static int guest_debug(struct vm *v, uint32_t control)
{
    struct kvm_guest_debug dbg;
    memset(&dbg, 0, sizeof dbg);
    dbg.control = control;
    int r = ioctl(v->vcpu, KVM_SET_GUEST_DEBUG, &dbg);
    if (r) perror("KVM_SET_GUEST_DEBUG");
    return r;
}

static int run(struct vm *v)
{
    for (;;) {
        if (ioctl(v->vcpu, KVM_RUN, 0) == 0) return v->run->exit_reason;
        if (errno != EINTR) { perror("KVM_RUN"); exit(1); }
    }
}

static uint64_t now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static const char *reason(int r)
{
    switch (r) {
    case KVM_EXIT_IO: return "IO";
    case KVM_EXIT_DEBUG: return "DEBUG";
    case KVM_EXIT_HLT: return "HLT";
    case KVM_EXIT_SHUTDOWN: return "SHUTDOWN";
    case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
    case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
    default: return "?";
    }
}

/* ---- timing ---- */

enum loop { OUT3, INT3, OUT0, INT3G };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One timing case: REPS runs of N exits in one fresh VM; prints mean and min per exit (us) of each
 * run, then the best and the median of the means and of the mins. */
static void timing(const char *name, enum loop loop, int dbg, int door, int n, int reps)
{
    static const uint8_t out3[] = {0xe6, 0x6e, 0xeb, 0xfc};         /* 1800: out 0x6e, al; jmp 1800 */
    static const uint8_t int3[] = {0xcc, 0xeb, 0xfd};               /* 1800: int3; jmp 1800 */
    static const uint8_t out0[] = {0xb0, 0, 0xe6, 0x80, 0xeb, 0xfc}; /* 1000: mov al, 0; 1002: out 0x80, al; jmp 1002 */
    struct vm v = loop == OUT0 ? make_vm(out0, sizeof out0, 0, 0)
                               : make_vm(0, 0, loop == OUT3 ? out3 : int3, loop == OUT3 ? sizeof out3 : sizeof int3);
    if (loop == INT3G) {
        /* the guest's own #BP handler: out 0x99, al; iretq (ring 0, so emulated) */
        static const uint8_t bp[] = {0xe6, 0x99, 0x48, 0xcf};
        memcpy(v.m + STUBS + 3 * 16, bp, sizeof bp);
    }
    uint64_t loop_rip = loop == OUT0 ? 0x1002 : USER;
    int want = loop == INT3 ? KVM_EXIT_DEBUG : KVM_EXIT_IO;
    if (loop == INT3 || dbg) guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
    if (loop != OUT0 && run(&v) != KVM_EXIT_IO) { printf("%s: no first exit at port 0x80\n", name); exit(1); }
    if (door) v.run->kvm_valid_regs = KVM_SYNC_X86_REGS;
    /* int3: does KVM leave RIP on the int3 (then the VMM must move it) or past it? */
    int fix_rip = 0;
    if (loop == INT3) {
        if (run(&v) != KVM_EXIT_DEBUG) {
            struct kvm_regs r;
            ioctl(v.vcpu, KVM_GET_REGS, &r);
            printf("%-14s no KVM_EXIT_DEBUG: exit %s", name, reason(v.run->exit_reason));
            if (v.run->exit_reason == KVM_EXIT_IO) printf(" port %#x, guest vector %lld", v.run->io.port, r.r15);
            printf("\n");
            drop_vm(&v);
            return;
        }
        struct kvm_regs r;
        ioctl(v.vcpu, KVM_GET_REGS, &r);
        fix_rip = r.rip == USER;
        if (fix_rip) { r.rip = USER + 1; ioctl(v.vcpu, KVM_SET_REGS, &r); }
    }
    double means[reps], mins[reps];
    for (int rep = 0; rep < reps; rep++) {
        uint64_t min = ~0ULL, start = now(), last = start;
        for (int i = 0; i < n; i++) {
            int r = run(&v);
            uint64_t t = now();
            if (r != want) { printf("%s: exit %s\n", name, reason(r)); exit(1); }
            if (door) {
                v.run->s.regs.regs.rip = loop_rip;
                v.run->s.regs.regs.rax = i;
                v.run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
            } else if (fix_rip) {
                struct kvm_regs regs;
                ioctl(v.vcpu, KVM_GET_REGS, &regs);
                regs.rip = USER + 1;
                ioctl(v.vcpu, KVM_SET_REGS, &regs);
            }
            if (t - last < min) min = t - last;
            last = t;
        }
        means[rep] = (last - start) / 1000.0 / n;
        mins[rep] = min / 1000.0;
    }
    printf("%-14s", name);
    for (int rep = 0; rep < reps; rep++) printf(" %6.2f/%5.2f", means[rep], mins[rep]);
    qsort(means, reps, sizeof *means, cmp_double);
    qsort(mins, reps, sizeof *mins, cmp_double);
    printf("  | mean best %6.2f median %6.2f, min best %5.2f median %5.2f us%s\n", means[0], means[reps / 2],
           mins[0], mins[reps / 2], fix_rip ? " (RIP moved by GET/SET_REGS)" : "");
    fflush(stdout);
    drop_vm(&v);
}

/* ---- semantics ---- */

static void show_exit(struct vm *v, const char *what)
{
    struct kvm_regs r;
    struct kvm_sregs s;
    ioctl(v->vcpu, KVM_GET_REGS, &r);
    ioctl(v->vcpu, KVM_GET_SREGS, &s);
    printf("  %s: exit %s", what, reason(v->run->exit_reason));
    if (v->run->exit_reason == KVM_EXIT_IO)
        printf(" port %#x", v->run->io.port);
    if (v->run->exit_reason == KVM_EXIT_DEBUG)
        printf(" exception %u pc %#llx dr6 %#llx dr7 %#llx", v->run->debug.arch.exception,
               (unsigned long long)v->run->debug.arch.pc, (unsigned long long)v->run->debug.arch.dr6,
               (unsigned long long)v->run->debug.arch.dr7);
    printf(" rip %#llx rflags %#llx cs %#x", r.rip, r.rflags, s.cs.selector);
    if (v->run->exit_reason == KVM_EXIT_IO && v->run->io.port == 0x99) {
        uint64_t *frame = (void *)(v->m + r.rsp);
        if (r.r15 == 8 || (r.r15 >= 10 && r.r15 <= 14) || r.r15 == 17) {
            printf(" | error code %#lx", frame[0]);
            frame++;
        }
        printf(" | guest vector %lld frame rip %#lx cs %#lx rflags %#lx rsp %#lx", r.r15, frame[0], frame[1],
               frame[2], frame[3]);
    }
    if (v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR) printf(" suberror %d", v->run->internal.suberror);
    printf("\n");
}

static void events(struct vm *v, const char *what)
{
    struct kvm_vcpu_events e;
    ioctl(v->vcpu, KVM_GET_VCPU_EVENTS, &e);
    printf("  %s: vcpu events exception injected %d pending %d nr %d, flags %#x\n", what, e.exception.injected,
           e.exception.pending, e.exception.nr, e.flags);
}

/* inject: 0 nothing (resume); 1 KVM_SET_VCPU_EVENTS #BP; 2 KVM_GUESTDBG_INJECT_BP.
 * move: RIP set past the int3 before resuming. clear: guest debug turned off before resuming. */
static void sem_int3(const char *name, int inject, int move, int clear)
{
    /* 1800: nop; int3; nop; out 0x6e, al; hlt */
    static const uint8_t user[] = {0x90, 0xcc, 0x90, 0xe6, 0x6e, 0xf4};
    printf("%s\n", name);
    struct vm v = make_vm(0, 0, user, sizeof user);
    guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
    run(&v);
    show_exit(&v, "first");
    run(&v);
    show_exit(&v, "int3");
    if (v.run->exit_reason != KVM_EXIT_DEBUG) { drop_vm(&v); return; }
    events(&v, "at exit");
    if (move) {
        struct kvm_regs r;
        ioctl(v.vcpu, KVM_GET_REGS, &r);
        r.rip = USER + 2;
        ioctl(v.vcpu, KVM_SET_REGS, &r);
    }
    if (clear) guest_debug(&v, 0);
    if (inject == 1) {
        struct kvm_vcpu_events e;
        ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &e);
        e.exception.injected = 1;
        e.exception.pending = 0;
        e.exception.nr = 3;
        e.exception.has_error_code = 0;
        e.exception.error_code = 0;
        e.flags = 0;
        int r = ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &e);
        printf("  KVM_SET_VCPU_EVENTS #BP: %d %s\n", r, r ? strerror(errno) : "");
        events(&v, "after set");
    } else if (inject == 2) {
        int r = guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_INJECT_BP);
        printf("  KVM_SET_GUEST_DEBUG INJECT_BP: %d\n", r);
        events(&v, "after set");
    }
    for (int i = 0; i < 3; i++) {
        int r = run(&v);
        show_exit(&v, "next");
        if (r != KVM_EXIT_IO || v.run->io.port == 0x99) break;
    }
    drop_vm(&v);
}

/* #BP handed to the guest at a ring-3 `out` exit (there being no #BP exit to hand back):
 * inject 1 KVM_SET_VCPU_EVENTS, 2 KVM_GUESTDBG_INJECT_BP. */
static void sem_inject_at_out(int inject)
{
    /* 1800: nop; out 0x6e, al; nop; hlt */
    static const uint8_t user[] = {0x90, 0xe6, 0x6e, 0x90, 0xf4};
    printf("#BP injected at a ring-3 out exit with %s\n", inject == 1 ? "KVM_SET_VCPU_EVENTS" : "KVM_GUESTDBG_INJECT_BP");
    struct vm v = make_vm(0, 0, user, sizeof user);
    guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
    run(&v);
    run(&v);
    show_exit(&v, "out");
    if (inject == 1) {
        struct kvm_vcpu_events e;
        ioctl(v.vcpu, KVM_GET_VCPU_EVENTS, &e);
        e.exception.injected = 1;
        e.exception.pending = 0;
        e.exception.nr = 3;
        e.exception.has_error_code = 0;
        e.exception.error_code = 0;
        e.flags = 0;
        int r = ioctl(v.vcpu, KVM_SET_VCPU_EVENTS, &e);
        printf("  KVM_SET_VCPU_EVENTS #BP: %d %s\n", r, r ? strerror(errno) : "");
    } else {
        int r = guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_INJECT_BP);
        printf("  KVM_SET_GUEST_DEBUG INJECT_BP: %d\n", r);
    }
    events(&v, "after set");
    for (int i = 0; i < 3; i++) {
        int r = run(&v);
        show_exit(&v, "next");
        if (r != KVM_EXIT_IO || v.run->io.port == 0x99) break;
    }
    drop_vm(&v);
}

static void sem_kernel_int3(int dbg)
{
    /* ring 0 at 1000: nop; int3; nop; out 0x80, al; hlt */
    static const uint8_t k[] = {0x90, 0xcc, 0x90, 0xe6, 0x80, 0xf4};
    printf("ring-0 int3, guest debug %s\n", dbg ? "ENABLE|USE_SW_BP" : "off");
    struct vm v = make_vm(k, sizeof k, 0, 0);
    if (dbg) guest_debug(&v, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
    for (int i = 0; i < 3; i++) {
        int r = run(&v);
        show_exit(&v, "exit");
        if (r != KVM_EXIT_IO || v.run->io.port == 0x99) break;
        if (r == KVM_EXIT_DEBUG) break;
    }
    drop_vm(&v);
}

static void sem_single_step(uint32_t control)
{
    /* 1800: pushfq; or qword [rsp], 0x100; popfq; nop; nop; out 0x6e, al; hlt: TF set by popfq,
     * so the #DB comes after the first nop (at 180c). */
    static const uint8_t user[] = {0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d,
                                   0x90, 0x90, 0xe6, 0x6e, 0xf4};
    if (control & KVM_GUESTDBG_SINGLESTEP) printf("KVM_GUESTDBG_SINGLESTEP (guest debug %#x), same code\n", control);
    else printf("ring-3 TF single step, guest debug %#x\n", control);
    struct vm v = make_vm(0, 0, user, sizeof user);
    if (control) guest_debug(&v, control);
    for (int i = 0; i < 4; i++) {
        int r = run(&v);
        show_exit(&v, "exit");
        if (r != KVM_EXIT_IO || v.run->io.port == 0x99) break;
    }
    drop_vm(&v);
}

static void sem_hw_bp(void)
{
    /* 1800: nop; nop; out 0x6e, al; hlt; an execution breakpoint (DR0) on the second nop */
    static const uint8_t user[] = {0x90, 0x90, 0xe6, 0x6e, 0xf4};
    printf("ring-3 hardware breakpoint (DR0 = 0x1801, exec), guest debug ENABLE|USE_HW_BP\n");
    struct vm v = make_vm(0, 0, user, sizeof user);
    struct kvm_guest_debug dbg;
    memset(&dbg, 0, sizeof dbg);
    dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
    dbg.arch.debugreg[0] = USER + 1;
    dbg.arch.debugreg[7] = 0x1; /* L0, exec, length 1 */
    if (ioctl(v.vcpu, KVM_SET_GUEST_DEBUG, &dbg)) perror("KVM_SET_GUEST_DEBUG");
    for (int i = 0; i < 4; i++) {
        int r = run(&v);
        show_exit(&v, "exit");
        if (r != KVM_EXIT_IO || v.run->io.port == 0x99) break;
    }
    drop_vm(&v);
}

int main(int argc, char **argv)
{
    kvm = open("/dev/kvm", O_RDWR);
    if (kvm < 0) { perror("/dev/kvm"); return 1; }
    if (argc > 1 && !strcmp(argv[1], "sem")) {
        printf("KVM_CAP_SET_GUEST_DEBUG %d, KVM_CAP_SYNC_REGS %#x, KVM_CAP_VCPU_EVENTS %d, KVM_CAP_GUEST_DEBUG_HW_BPS %d\n",
               ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG), ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS),
               ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS),
               ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_DEBUG_HW_BPS));
        sem_int3("ring-3 int3, resumed as is", 0, 0, 0);
        sem_int3("ring-3 int3, handed back with KVM_SET_VCPU_EVENTS (RIP as reported)", 1, 0, 0);
        sem_int3("ring-3 int3, handed back with KVM_SET_VCPU_EVENTS, RIP moved past the int3", 1, 1, 0);
        sem_int3("ring-3 int3, handed back with KVM_SET_VCPU_EVENTS, guest debug off first", 1, 0, 1);
        sem_int3("ring-3 int3, handed back with KVM_GUESTDBG_INJECT_BP", 2, 0, 0);
        sem_inject_at_out(1);
        sem_inject_at_out(2);
        sem_kernel_int3(0);
        sem_kernel_int3(1);
        sem_single_step(0);
        sem_single_step(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
        sem_single_step(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
        sem_hw_bp();
        return 0;
    }
    int n = getenv("N") ? atoi(getenv("N")) : 20000, reps = getenv("REPS") ? atoi(getenv("REPS")) : 5;
    printf("%d exits x %d runs; per run mean/min us; then best and median over the runs\n", n, reps);
    timing("out3", OUT3, 0, 0, n, reps);
    timing("int3", INT3, 0, 0, n, reps);
    timing("out0", OUT0, 0, 0, n, reps);
    timing("out3+door", OUT3, 0, 1, n, reps);
    timing("int3+door", INT3, 0, 1, n, reps);
    timing("out0+door", OUT0, 0, 1, n, reps);
    timing("int3>guest", INT3G, 0, 0, n, reps);
    timing("int3>guest+dbg", INT3G, 1, 0, n, reps);
    timing("out3+dbg", OUT3, 1, 0, n, reps);
    timing("out0+dbg", OUT0, 1, 0, n, reps);
    return 0;
}
