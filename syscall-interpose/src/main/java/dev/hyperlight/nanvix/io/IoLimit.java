package dev.hyperlight.nanvix.io;

/** A limit of the I/O side that the guest ran into (it got the errno, the run went on). */
public enum IoLimit {
    /** No free fd: the guest got EMFILE. */
    OPEN_FILES,
    /** A writable mount's quota was used up: the guest got ENOSPC. */
    WRITE_QUOTA
}
