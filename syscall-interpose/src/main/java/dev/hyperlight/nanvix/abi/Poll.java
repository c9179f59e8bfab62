package dev.hyperlight.nanvix.abi;

/** The {@code poll} event bits of {@code <poll.h>} the host reports. */
public final class Poll {

    public static final int POLLIN = 0x001;
    public static final int POLLOUT = 0x004;
    public static final int POLLERR = 0x008;
    public static final int POLLHUP = 0x010;
    public static final int POLLNVAL = 0x020;
    public static final int POLLRDNORM = 0x040;
    public static final int POLLWRNORM = 0x100;

    private Poll() {}
}
