package dev.hyperlight.nanvix.syscall;

/**
 * The table's {@link SyscallAudit} could not record a call (a full disk, a closed file, an
 * exception of its own). The audit fails closed: the run that made the call stops without its
 * guest seeing the result, so no call goes unrecorded and unnoticed.
 */
public final class AuditFailedException extends RuntimeException {

    private final SyscallAudit.Record record;

    public AuditFailedException(SyscallAudit.Record record, RuntimeException cause) {
        super("the audit could not record " + record.call() + "(" + record.arguments() + ") = " + record.result()
                + ": " + cause.getMessage(), cause);
        this.record = record;
    }

    /** The call that was not recorded. It ran: its record is made once it has a result. */
    public SyscallAudit.Record record() {
        return record;
    }
}
