/* A live sandbox that does nothing: says "ready" once started, then sleeps until the VM is
 * stopped. The JMH benchmark of memory per live sandbox keeps several of these running. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    puts("ready");
    fflush(stdout);
    for (;;) {
        sleep(3600);
    }
}
