/* Prints its environment, one variable a line, and its arguments. */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
    for (char **variable = environ; *variable != NULL; variable++)
        printf("env %s\n", *variable);
    for (int i = 0; i < argc; i++)
        printf("arg %s\n", argv[i]);
    return 0;
}
