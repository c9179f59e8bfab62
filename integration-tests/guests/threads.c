// POSIX threads on the guest kernel's scheduler: create and join, return values, a mutex and
// a condition variable, thread-local storage, a semaphore ping-pong, futex timeouts,
// per-thread FPU control state, thread exit while others still run, a robust mutex whose
// owner died, and a refused clone.
// With an argument: `main-exits-first` (the program outlives its main thread), `deadlock`. Prints one line per
// check; the test compares the whole output.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <xmmintrin.h>

#define WORKERS 8
#define ROUNDS 1000

static __thread int thread_local_value;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int finished;
static pid_t worker_tids[WORKERS];

static void *worker(void *arg) {
    long index = (long)arg;
    thread_local_value = (int)index * 10;
    worker_tids[index] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 100 == 0) {
            sched_yield();
        }
    }
    pthread_mutex_lock(&lock);
    finished++;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    // Each thread sees its own TLS value after all the switches.
    return (void *)(long)(thread_local_value + 1);
}

static void create_join_mutex_condvar_tls(void) {
    pthread_t threads[WORKERS];
    thread_local_value = -1;
    for (long i = 0; i < WORKERS; i++) {
        if (pthread_create(&threads[i], NULL, worker, (void *)i) != 0) {
            printf("pthread_create failed\n");
            exit(1);
        }
    }
    pthread_mutex_lock(&lock);
    while (finished < WORKERS) {
        pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);
    int values_ok = 1;
    for (long i = 0; i < WORKERS; i++) {
        void *value;
        pthread_join(threads[i], &value);
        values_ok &= (long)value == i * 10 + 1;
    }
    int tids_distinct = 1;
    for (int i = 0; i < WORKERS; i++) {
        tids_distinct &= worker_tids[i] != getpid();
        for (int j = 0; j < i; j++) {
            tids_distinct &= worker_tids[i] != worker_tids[j];
        }
    }
    printf("joined %d threads, counter %ld, finished %d\n", WORKERS, counter, finished);
    printf("return values and thread-local storage %s, main tls %d\n", values_ok ? "ok" : "WRONG", thread_local_value);
    printf("thread ids distinct %d, main thread id is the pid %d\n", tids_distinct, (pid_t)syscall(SYS_gettid) == getpid());
}

static sem_t ping, pong;

static void *ponger(void *arg) {
    long rounds = (long)arg;
    for (long i = 0; i < rounds; i++) {
        sem_wait(&ping);
        sem_post(&pong);
    }
    return NULL;
}

static void semaphore_ping_pong(void) {
    const long rounds = 200;
    sem_init(&ping, 0, 0);
    sem_init(&pong, 0, 0);
    pthread_t thread;
    pthread_create(&thread, NULL, ponger, (void *)rounds);
    long answered = 0;
    for (long i = 0; i < rounds; i++) {
        sem_post(&ping);
        sem_wait(&pong);
        answered++;
    }
    pthread_join(thread, NULL);
    printf("ping-pong %ld rounds\n", answered);
}

static uint32_t futex_word;

static void futex_timeouts(void) {
    // Nobody wakes these waits: each ends with ETIMEDOUT after its timeout.
    struct timespec relative = {0, 20 * 1000 * 1000};
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &relative, NULL, 0);
    int relative_errno = errno;
    clock_gettime(CLOCK_MONOTONIC, &after);
    long waited_ms = (after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
    printf("futex wait with timeout: %ld %s, waited at least 20 ms: %d\n", r, relative_errno == ETIMEDOUT ? "ETIMEDOUT" : "?", waited_ms >= 20);

    struct timespec absolute;
    clock_gettime(CLOCK_MONOTONIC, &absolute);
    absolute.tv_nsec += 10 * 1000 * 1000;
    if (absolute.tv_nsec >= 1000000000) {
        absolute.tv_sec++;
        absolute.tv_nsec -= 1000000000;
    }
    r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &absolute, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("futex absolute wait: %ld %s\n", r, errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
    r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, &relative, NULL, 0);
    printf("futex wait on a changed word: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
    r = syscall(SYS_futex, (char *)&futex_word + 1, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    printf("futex on a misaligned word: %ld %s\n", r, errno == EINVAL ? "EINVAL" : "?");

    // A timed condition wait that times out while another thread is busy.
    pthread_mutex_lock(&lock);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 5 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    int timed = pthread_cond_timedwait(&changed, &lock, &until);
    pthread_mutex_unlock(&lock);
    printf("timed condition wait: %s\n", timed == ETIMEDOUT ? "ETIMEDOUT" : "?");
}

static void *sleeper(void *arg) {
    struct timespec nap = {0, 30 * 1000 * 1000};
    nanosleep(&nap, NULL);
    *(int *)arg = 1;
    return NULL;
}

static void sleeping_thread_lets_others_run(void) {
    // While one thread sleeps, the main thread keeps running (it sees the flag still clear
    // after the sleeper started), then joins it.
    int done = 0;
    pthread_t thread;
    pthread_create(&thread, NULL, sleeper, &done);
    sched_yield();
    int seen_while_sleeping = done;
    pthread_join(thread, NULL);
    printf("main ran while a thread slept: %d, then it finished: %d\n", seen_while_sleeping == 0, done);
}

/* MXCSR rounding control (bits 13-14): what fesetround sets for SSE arithmetic. */
#define ROUND_DOWN 0x2000
#define ROUND_UP 0x4000
#define ROUNDING_BITS 0x6000

static void set_rounding(unsigned mode) {
    _mm_setcsr((_mm_getcsr() & ~ROUNDING_BITS) | mode);
}

static void *rounding_changer(void *arg) {
    (void)arg;
    set_rounding(ROUND_DOWN);
    sem_post(&pong);
    sched_yield();
    return (void *)(long)((_mm_getcsr() & ROUNDING_BITS) == ROUND_DOWN);
}

static void fpu_state_per_thread(void) {
    set_rounding(ROUND_UP);
    pthread_t thread;
    pthread_create(&thread, NULL, rounding_changer, NULL);
    sem_wait(&pong);
    void *theirs;
    pthread_join(thread, &theirs);
    printf("rounding modes kept per thread: %d %d\n", (_mm_getcsr() & ROUNDING_BITS) == ROUND_UP, (int)(long)theirs);
    set_rounding(0);
}

static void *detached_exit(void *arg) {
    (void)arg;
    pthread_exit((void *)7);
}

static void thread_exit_and_detach(void) {
    pthread_t thread;
    pthread_create(&thread, NULL, detached_exit, NULL);
    void *value;
    pthread_join(thread, &value);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 100; i++) {
        pthread_create(&thread, &attr, detached_exit, NULL);
        sched_yield();
    }
    printf("pthread_exit value %ld, 100 detached threads came and went\n", (long)value);
}

static pthread_mutex_t robust;

static void *die_holding_the_lock(void *arg) {
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL;
}

static void robust_mutex(void) {
    // A thread that ends while holding a robust mutex: the kernel marks it FUTEX_OWNER_DIED
    // (the thread's robust list), and the next locker learns so instead of waiting for ever.
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &attr);
    pthread_t thread;
    pthread_create(&thread, NULL, die_holding_the_lock, NULL);
    pthread_join(thread, NULL);
    int locked = pthread_mutex_lock(&robust);
    printf("robust mutex after its owner died: %s\n", locked == EOWNERDEAD ? "EOWNERDEAD" : "?");
    pthread_mutex_consistent(&robust);
    pthread_mutex_unlock(&robust);
}

static void unsupported_clone(void) {
    // A thread without shared signal handlers: Linux refuses it, and so does the guest kernel.
    long r = syscall(SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_THREAD, NULL, NULL, NULL, 0);
    printf("unsupported clone flags: %s\n", r == -1 && errno == EINVAL ? "EINVAL" : "?");
}

static void *late_writer(void *arg) {
    (void)arg;
    struct timespec nap = {0, 10 * 1000 * 1000};
    nanosleep(&nap, NULL);
    printf("the last thread finishes after main exited\n");
    return NULL;
}

static void *wait_for_ever(void *arg) {
    sem_wait((sem_t *)arg);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "main-exits-first") == 0) {
        // The program goes on until its last thread ends (glibc then exits with status 0).
        pthread_t thread;
        pthread_create(&thread, NULL, late_writer, NULL);
        pthread_exit(NULL);
    }
    if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
        // Every thread waits without a timeout: only the run's time limit ends this.
        static sem_t never;
        sem_init(&never, 0, 0);
        pthread_t thread;
        pthread_create(&thread, NULL, wait_for_ever, &never);
        printf("waiting for a thread that waits for ever\n");
        fflush(stdout);
        pthread_join(thread, NULL);
        return 0;
    }
    create_join_mutex_condvar_tls();
    semaphore_ping_pong();
    futex_timeouts();
    sleeping_thread_lets_others_run();
    fpu_state_per_thread();
    thread_exit_and_detach();
    robust_mutex();
    unsupported_clone();
    fflush(stdout);
    return 0;
}
