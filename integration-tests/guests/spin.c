/* Never ends: only the host's time limit stops it. */
int main(void)
{
    for (;;)
        ;
}
