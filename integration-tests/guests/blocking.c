// Calls that wait on the host (a read of an empty pipe, a write to a full one) while the
// program has other threads or an alarm: the waiting thread is parked and the others run, and
// a signal ends the wait with EINTR or, under SA_RESTART, makes the call again. Prints one line
// per check; the test compares the whole output.
// With an argument: `single` (a program with one thread and no alarm reads from a pipe that a
// child process fills: the host waits, as before), `preempt` (threads and an alarm handler get
// the CPU from code that spins without system calls: the host preempts it).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pipe_fds[2];
static volatile int reader_started, reader_done;
static char received[16];
static ssize_t received_length;

static void nap_ms(long ms) {
    struct timespec nap = {0, ms * 1000 * 1000};
    nanosleep(&nap, NULL);
}

static void *reader(void *arg) {
    (void)arg;
    reader_started = 1;
    received_length = read(pipe_fds[0], received, sizeof received - 1);
    reader_done = 1;
    return NULL;
}

// (a) A thread waits in read while the main thread runs, and then fills the pipe.
static void thread_waits_in_read_while_main_runs(void) {
    pipe(pipe_fds);
    pthread_t thread;
    pthread_create(&thread, NULL, reader, NULL);
    while (!reader_started) {
        sched_yield();
    }
    long laps = 0;
    for (int i = 0; i < 5; i++) {
        nap_ms(10);
        laps++;
    }
    int waiting = !reader_done;
    write(pipe_fds[1], "hello", 5);
    pthread_join(thread, NULL);
    received[received_length > 0 ? received_length : 0] = 0;
    printf("main ran %ld laps while a thread waited in read: %d\n", laps, waiting);
    printf("the thread then read %zd bytes: %s\n", received_length, received);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static volatile int poll_result = -2;
static volatile short poll_revents;

static void *poller(void *arg) {
    int timeout = (int)(long)arg;
    struct pollfd fd = {pipe_fds[0], POLLIN, 0};
    poll_result = poll(&fd, 1, timeout);
    poll_revents = fd.revents;
    return NULL;
}

// The same for poll: it waits for its fds (or its timeout) while another thread runs.
static void thread_waits_in_poll_while_main_runs(void) {
    pipe(pipe_fds);
    pthread_t thread;
    pthread_create(&thread, NULL, poller, (void *)-1L);
    nap_ms(30);
    int waiting = poll_result == -2;
    write(pipe_fds[1], "p", 1);
    pthread_join(thread, NULL);
    printf("a thread waiting in poll (%d) woke when main wrote: %d %s\n", waiting, poll_result,
           poll_revents & POLLIN ? "POLLIN" : "?");
    char c;
    read(pipe_fds[0], &c, 1);
    poll_result = -2;
    pthread_create(&thread, NULL, poller, (void *)30L);
    pthread_join(thread, NULL);
    printf("a poll with nothing to read timed out: %d\n", poll_result);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static int pair[2][2];
static char order[4];
static volatile int order_len;

static void *ordered_reader(void *arg) {
    int which = (int)(long)arg;
    char c;
    if (read(pair[which][0], &c, 1) == 1) {
        order[order_len++] = c;
    }
    return NULL;
}

// Two threads wait on two pipes; each wakes when its own pipe is written, in that order.
static void two_waiters_wake_in_the_order_their_pipes_fill(void) {
    pipe(pair[0]);
    pipe(pair[1]);
    pthread_t a, b;
    pthread_create(&a, NULL, ordered_reader, (void *)0L);
    pthread_create(&b, NULL, ordered_reader, (void *)1L);
    nap_ms(20);
    write(pair[1][1], "B", 1);
    nap_ms(20);
    write(pair[0][1], "A", 1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    order[order_len] = 0;
    printf("two waiting readers woke in the order of their writes: %s\n", order);
}

// A thread waits to write into a full pipe until the main thread drains it.
static void *filler(void *arg) {
    (void)arg;
    static char block[4096];
    long total = 0;
    for (int i = 0; i < 20; i++) {
        total += write(pipe_fds[1], block, sizeof block);
    }
    reader_done = 1;
    return (void *)total;
}

static void thread_waits_for_room_while_main_drains(void) {
    pipe(pipe_fds);
    reader_done = 0;
    pthread_t thread;
    pthread_create(&thread, NULL, filler, NULL);
    nap_ms(20);
    int waiting = !reader_done;
    static char sink[8192];
    long drained = 0;
    while (drained < 20 * 4096) {
        ssize_t n = read(pipe_fds[0], sink, sizeof sink);
        if (n <= 0) {
            break;
        }
        drained += n;
    }
    void *written;
    pthread_join(thread, &written);
    printf("a writer waited for room (%d) and wrote %ld bytes, all read: %d\n", waiting, (long)written,
           drained == (long)written);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int signo) {
    (void)signo;
    alarms++;
    // Under SA_RESTART the read goes on after this and finds the byte.
    write(pipe_fds[1], "x", 1);
}

static void arm(int restart) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    action.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &action, NULL);
    struct itimerval timer = {{0, 0}, {0, 50 * 1000}};
    setitimer(ITIMER_REAL, &timer, NULL);
}

// (b) The alarm ends a read blocked on an empty pipe: EINTR without SA_RESTART, the read made
// again (and finding the handler's byte) with it.
static void alarm_interrupts_a_blocked_read(void) {
    pipe(pipe_fds);
    char c = 0;
    alarms = 0;
    arm(0);
    ssize_t n = read(pipe_fds[0], &c, 1);
    printf("alarm without SA_RESTART: read %zd %s, handler ran %d\n", n, n < 0 && errno == EINTR ? "EINTR" : "?",
           (int)alarms);
    read(pipe_fds[0], &c, 1); // the handler's byte
    alarms = 0;
    c = 0;
    arm(1);
    n = read(pipe_fds[0], &c, 1);
    printf("alarm with SA_RESTART: read %zd '%c', handler ran %d\n", n, c, (int)alarms);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

// The same with a second thread waiting too: the alarm's handler runs in the reading thread.
static void *sleeper(void *arg) {
    (void)arg;
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &alarm_only, NULL);
    nap_ms(200);
    return NULL;
}

static void alarm_interrupts_a_read_beside_another_thread(void) {
    pipe(pipe_fds);
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, NULL);
    char c = 0;
    alarms = 0;
    arm(0);
    ssize_t n = read(pipe_fds[0], &c, 1);
    printf("with another thread: read %zd %s, handler ran %d\n", n, n < 0 && errno == EINTR ? "EINTR" : "?",
           (int)alarms);
    pthread_join(thread, NULL);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

// (d) One thread, no alarm: the host does the waiting, as it always did.
static int single(void) {
    pipe(pipe_fds);
    pid_t child = fork();
    if (child == 0) {
        nap_ms(50);
        write(pipe_fds[1], "from child", 10);
        _exit(0);
    }
    char buffer[16] = {0};
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer - 1);
    int status;
    waitpid(child, &status, 0);
    printf("one thread read %zd bytes: %s\n", n, buffer);
    return 0;
}

static volatile int stop_spinning;
static volatile long spins;

static void *spinner(void *arg) {
    (void)arg;
    while (!stop_spinning) {
        spins++;
    }
    return NULL;
}

static void on_alarm_stop(int signo) {
    (void)signo;
    stop_spinning = 1;
}

// (c) Code that never makes a system call does not keep the CPU: a sleeping thread wakes on
// time beside a spinning one, and the alarm's handler runs in a program that spins.
static int preempt(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, spinner, NULL);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 3; i++) {
        nap_ms(20);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    long spun = spins;
    stop_spinning = 1;
    pthread_join(thread, NULL);
    long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    printf("main slept 3 times beside a spinning thread: %d, which spun meanwhile: %d\n", ms >= 60 && ms < 10000,
           spun > 0);
    stop_spinning = 0;
    signal(SIGALRM, on_alarm_stop);
    struct itimerval timer = {{0, 0}, {0, 30 * 1000}};
    setitimer(ITIMER_REAL, &timer, NULL);
    spinner(NULL);
    printf("the alarm's handler ran in a program that spins: %d\n", stop_spinning);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "single") == 0) {
        return single();
    }
    if (argc > 1 && strcmp(argv[1], "preempt") == 0) {
        return preempt();
    }
    thread_waits_in_read_while_main_runs();
    thread_waits_in_poll_while_main_runs();
    two_waiters_wake_in_the_order_their_pipes_fill();
    thread_waits_for_room_while_main_drains();
    alarm_interrupts_a_blocked_read();
    alarm_interrupts_a_read_beside_another_thread();
    return 0;
}
