// Signal delivery by the guest kernel: handlers with SA_SIGINFO, the mask while a handler
// runs, a signal held back until unblocked, SA_NODEFER nesting, SA_RESETHAND, sigaltstack,
// alarm, setitimer and getitimer, raise, pthread_kill to another thread, EINTR from sleeps
// and pause, ignored signals and registers kept across a handler. Prints one line per check;
// the test compares the whole output.
// With an argument: `default` (a signal without a handler ends the process), `bad-frame` (a
// handler hands rt_sigreturn a kernel address).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, depth, max_depth, order_len;
static char order[16];
static siginfo_t last_info;
static int last_has_context;
static volatile int mask_had_usr1, mask_had_usr2;
static volatile pid_t handler_tid;
static char *alt_base;
static volatile int handler_on_alt;
static volatile int alt_flags_onstack;

static void on_info(int signo, siginfo_t *info, void *context) {
    hits++;
    last_info = *info;
    last_has_context = context != NULL && ((ucontext_t *)context)->uc_mcontext.gregs[REG_RIP] != 0;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    mask_had_usr1 = sigismember(&now, SIGUSR1);
    mask_had_usr2 = sigismember(&now, SIGUSR2);
    handler_tid = (pid_t)syscall(SYS_gettid);
    (void)signo;
}

static void record(int signo) {
    if (order_len < (int)sizeof order - 1) {
        order[order_len++] = signo == SIGUSR1 ? '1' : signo == SIGUSR2 ? '2' : '?';
    }
}

static void on_usr1_raising_usr2(int signo) {
    record(signo);
    raise(SIGUSR2); // blocked by sa_mask: runs after this handler returns
    record(signo);
}

static void on_usr2(int signo) {
    record(signo);
}

static volatile sig_atomic_t nested_calls;

static void nested(int signo) {
    depth++;
    nested_calls++;
    if (depth > max_depth) {
        max_depth = depth;
    }
    if (nested_calls < 3) {
        raise(signo);
    }
    depth--;
}

static void on_alt_stack(int signo) {
    char local;
    handler_on_alt = &local > alt_base && &local < alt_base + 65536;
    stack_t current;
    sigaltstack(NULL, &current);
    alt_flags_onstack = (current.ss_flags & SS_ONSTACK) != 0;
    (void)signo;
}

static void count(int signo) {
    (void)signo;
    hits++;
}

static void set_handler(int signo, void (*handler)(int), int flags, int masked) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    if (masked) {
        sigaddset(&action.sa_mask, masked);
    }
    if (sigaction(signo, &action, NULL) != 0) {
        perror("sigaction");
        exit(1);
    }
}

static void siginfo_and_mask(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_info;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &action, NULL);
    double kept = 1.25;
    int status = kill(getpid(), SIGUSR1);
    printf("kill to self: %d, handler ran %d, signo %d, code SI_USER %d, pid ours %d, uid ours %d, context %d\n",
        status, hits, last_info.si_signo, last_info.si_code == SI_USER, last_info.si_pid == getpid(),
        last_info.si_uid == getuid(), last_has_context);
    printf("mask in the handler: SIGUSR1 %d, SIGUSR2 %d\n", mask_had_usr1, mask_had_usr2);
    sigset_t after;
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("mask after the handler: SIGUSR1 %d, SIGUSR2 %d, FPU value kept %d\n", sigismember(&after, SIGUSR1),
        sigismember(&after, SIGUSR2), kept * 4 == 5.0);
    raise(SIGUSR1);
    printf("raise: code SI_TKILL %d, handled on this thread %d\n", last_info.si_code == SI_TKILL,
        handler_tid == (pid_t)syscall(SYS_gettid));
}

static void pending_until_unblocked(void) {
    hits = 0;
    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    kill(getpid(), SIGUSR1);
    sigpending(&pending);
    int held = hits;
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    int after = hits;
    printf("blocked: pending %d, ran while blocked %d, ran at unblock %d\n", sigismember(&pending, SIGUSR1), held, after);
}

static void order_and_nesting(void) {
    set_handler(SIGUSR1, on_usr1_raising_usr2, 0, SIGUSR2);
    set_handler(SIGUSR2, on_usr2, 0, 0);
    raise(SIGUSR1);
    printf("sa_mask holds SIGUSR2 until the handler returns: order %s\n", order);
    set_handler(SIGUSR1, nested, SA_NODEFER, 0);
    raise(SIGUSR1);
    printf("SA_NODEFER nests: depth %d\n", max_depth);
    max_depth = 0;
    nested_calls = 0;
    set_handler(SIGUSR1, nested, 0, 0);
    raise(SIGUSR1);
    printf("without it the same signal waits: depth %d, calls %d\n", max_depth, nested_calls);
}

static void reset_hand(void) {
    hits = 0;
    set_handler(SIGUSR2, count, SA_RESETHAND, 0);
    raise(SIGUSR2);
    struct sigaction now;
    sigaction(SIGUSR2, NULL, &now);
    printf("SA_RESETHAND: ran %d, handler now SIG_DFL %d\n", hits, now.sa_handler == SIG_DFL);
}

static void alternate_stack(void) {
    alt_base = malloc(65536);
    stack_t stack = {.ss_sp = alt_base, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&stack, NULL);
    set_handler(SIGUSR1, on_alt_stack, SA_ONSTACK, 0);
    raise(SIGUSR1);
    printf("SA_ONSTACK: on the alternate stack %d, ss_flags SS_ONSTACK %d\n", handler_on_alt, alt_flags_onstack);
    set_handler(SIGUSR1, on_alt_stack, 0, 0);
    raise(SIGUSR1);
    printf("without SA_ONSTACK: on the alternate stack %d\n", handler_on_alt);
}

static void ignored(void) {
    signal(SIGUSR1, SIG_IGN);
    kill(getpid(), SIGUSR1);
    raise(SIGCHLD);
    raise(SIGWINCH);
    printf("ignored and default-ignored signals change nothing\n");
}

static void alarms(void) {
    hits = 0;
    set_handler(SIGALRM, count, 0, 0);
    alarm(1);
    struct timespec long_sleep = {5, 0};
    int slept = nanosleep(&long_sleep, NULL);
    printf("alarm: nanosleep %d %s, handler ran %d, alarm left %u\n", slept, slept ? strerror(errno) : "", hits, alarm(0));
    alarm(1);
    int paused = pause();
    printf("pause: %d %s, handler ran %d\n", paused, strerror(errno), hits);
    // poll waiting for ever, with no fds and on an empty pipe: the alarm interrupts it too
    // (with one thread the host does the waiting, up to the alarm).
    struct itimerval once = {.it_value = {0, 50000}};
    setitimer(ITIMER_REAL, &once, NULL);
    int polled = poll(NULL, 0, -1);
    printf("poll: %d %s, handler ran %d\n", polled, strerror(errno), hits);
    int ends[2];
    if (pipe(ends) != 0) {
        perror("pipe");
        return;
    }
    struct pollfd empty_pipe = {.fd = ends[0], .events = POLLIN};
    setitimer(ITIMER_REAL, &once, NULL);
    polled = poll(&empty_pipe, 1, 5000);
    printf("poll of an empty pipe: %d %s, handler ran %d\n", polled, strerror(errno), hits);
    // An ignored SIGALRM interrupts nothing: the poll waits out its timeout.
    set_handler(SIGALRM, SIG_IGN, 0, 0);
    setitimer(ITIMER_REAL, &once, NULL);
    polled = poll(&empty_pipe, 1, 200);
    printf("poll with SIGALRM ignored: %d, handler ran %d\n", polled, hits);
    close(ends[0]);
    close(ends[1]);
    set_handler(SIGALRM, count, 0, 0);
    hits = 0;
    struct itimerval timer = {.it_interval = {0, 20000}, .it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &timer, NULL);
    struct itimerval left;
    getitimer(ITIMER_REAL, &left);
    int armed = left.it_value.tv_sec == 0 && left.it_value.tv_usec > 0 && left.it_interval.tv_usec == 20000;
    sigset_t none;
    sigemptyset(&none);
    while (hits < 3) {
        sigsuspend(&none);
    }
    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, &left);
    getitimer(ITIMER_REAL, &timer);
    printf("setitimer: getitimer saw it armed %d, 3 expiries, disarmed %d\n", armed,
        timer.it_value.tv_sec == 0 && timer.it_value.tv_usec == 0);
}

static pid_t sleeper_tid;
static volatile int sleeper_ready;
static int sleeper_result, sleeper_errno;

static void *sleeper(void *arg) {
    (void)arg;
    sleeper_tid = (pid_t)syscall(SYS_gettid);
    sleeper_ready = 1;
    struct timespec long_sleep = {30, 0};
    sleeper_result = nanosleep(&long_sleep, NULL);
    sleeper_errno = errno;
    return NULL;
}

static void other_thread(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_info;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &action, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, NULL);
    while (!sleeper_ready) {
        sched_yield();
    }
    sched_yield(); // let it start its sleep
    pthread_kill(thread, SIGUSR1);
    pthread_join(thread, NULL);
    printf("pthread_kill: handled on the target thread %d, its nanosleep %d %s\n", handler_tid == sleeper_tid,
        sleeper_result, strerror(sleeper_errno));
}

static void registers_survive(void) {
    set_handler(SIGUSR1, count, 0, 0);
    long pid = getpid(), tid = syscall(SYS_gettid);
    register long r12 __asm__("r12") = 0x1212;
    register long r13 __asm__("r13") = 0x1313;
    register long r14 __asm__("r14") = 0x1414;
    register long r15 __asm__("r15") = 0x1515;
    long rax = SYS_tgkill, rbx = 0xb0b0;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15), "+b"(rbx)
                     : "D"(pid), "S"(tid), "d"((long)SIGUSR1)
                     : "rcx", "r11", "memory");
    printf("registers across a handler: result %ld, kept %d\n", rax,
        r12 == 0x1212 && r13 == 0x1313 && r14 == 0x1414 && r15 == 0x1515 && rbx == 0xb0b0);
}

static void broken_pipe(void) {
    hits = 0;
    set_handler(SIGPIPE, count, 0, 0);
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    close(fds[0]);
    ssize_t written = write(fds[1], "x", 1);
    int error = errno;
    getppid(); // Linux runs the handler before write returns, the guest kernel at the next call
    printf("write without readers: %zd %s, SIGPIPE handler ran %d\n", written, strerror(error), hits);
    close(fds[1]);
}

static sigjmp_buf fault_return;
static siginfo_t fault_info;

static void on_fault(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)context;
    fault_info = *info;
    siglongjmp(fault_return, 1);
}

static void caught_faults(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &action, NULL);
    sigaction(SIGFPE, &action, NULL);
    volatile int *nowhere = (volatile int *)16;
    if (sigsetjmp(fault_return, 1) == 0) {
        *nowhere = 1;
    }
    printf("SIGSEGV caught: signo %d, SEGV_MAPERR %d, address 16 %d\n", fault_info.si_signo,
        fault_info.si_code == SEGV_MAPERR, fault_info.si_addr == (void *)16);
    if (sigsetjmp(fault_return, 1) == 0) {
        int quotient, divisor = 0;
        __asm__ volatile("cltd; idivl %2" : "=a"(quotient) : "a"(1), "r"(divisor) : "edx");
        printf("no fault: %d\n", quotient);
    }
    printf("SIGFPE caught: signo %d, FPE_INTDIV %d\n", fault_info.si_signo, fault_info.si_code == FPE_INTDIV);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("siglongjmp restored the mask: SIGSEGV blocked %d\n", sigismember(&now, SIGSEGV));
}

static void *send_usr2(void *arg) {
    (void)arg;
    sched_yield();
    kill(getpid(), SIGUSR2);
    return NULL;
}

static void waiting_for_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR2);
    siginfo_t info;
    int taken = sigwaitinfo(&set, &info);
    printf("sigwaitinfo: pending SIGUSR2 taken %d, signo %d\n", taken == SIGUSR2, info.si_signo);
    struct timespec short_wait = {0, 20000000};
    taken = sigtimedwait(&set, &info, &short_wait);
    printf("sigtimedwait with nothing sent: %d %s\n", taken, strerror(errno));
    pthread_t sender;
    pthread_create(&sender, NULL, send_usr2, NULL);
    taken = sigwaitinfo(&set, &info);
    pthread_join(sender, NULL);
    printf("sigwaitinfo for a signal another thread sends: %d, code SI_USER %d\n", taken == SIGUSR2,
        info.si_code == SI_USER);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGCHLD);
    taken = sigwaitinfo(&set, &info);
    printf("a blocked SIGCHLD is kept for sigwaitinfo: %d\n", taken == SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void bad_frame_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)info;
    ucontext_t *uc = context;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0xffff800000001000ULL;
    uc->uc_mcontext.gregs[REG_CSGSFS] = 0; // a ring-0 selector would do no better
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "default") == 0) {
        printf("sending SIGUSR2 to myself\n");
        kill(getpid(), SIGUSR2);
        printf("still here\n");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "bad-frame") == 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = bad_frame_handler;
        action.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &action, NULL);
        printf("returning to a kernel address\n");
        raise(SIGUSR1);
        printf("still here\n");
        return 0;
    }
    siginfo_and_mask();
    pending_until_unblocked();
    order_and_nesting();
    reset_hand();
    alternate_stack();
    ignored();
    alarms();
    other_thread();
    registers_survive();
    broken_pipe();
    caught_faults();
    waiting_for_signals();
    return 0;
}
