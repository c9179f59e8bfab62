/* Time from the guest: realtime is plausible, monotonic moves forward across a sleep. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec real, before, after, pause = {0, 20 * 1000 * 1000};
    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &before);
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_MONOTONIC, &after);
    long long elapsed = (after.tv_sec - before.tv_sec) * 1000000000LL + (after.tv_nsec - before.tv_nsec);
    printf("realtime %lld, slept %lld ms\n", (long long)real.tv_sec, elapsed / 1000000);
    return real.tv_sec > 1704067200 && elapsed >= 15 * 1000 * 1000 ? 0 : 1;
}
