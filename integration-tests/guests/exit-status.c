/* Exits with the status given as argv[1] (default 0), after greeting. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("exit-status here\n");
    return argc > 1 ? atoi(argv[1]) : 0;
}
