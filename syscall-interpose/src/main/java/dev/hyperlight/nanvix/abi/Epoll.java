package dev.hyperlight.nanvix.abi;

/** The {@code epoll} operations, mode bits and event layout of {@code <sys/epoll.h>} (x86-64). */
public final class Epoll {

    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLWAKEUP = 1 << 29;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;
    /** Bytes of {@code struct epoll_event}: packed, {@code u32 events; u64 data}. */
    public static final long EVENT_SIZE = 12;

    private Epoll() {}
}
