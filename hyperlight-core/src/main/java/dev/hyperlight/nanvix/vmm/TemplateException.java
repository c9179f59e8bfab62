package dev.hyperlight.nanvix.vmm;

/**
 * A runtime did not reach its start point cleanly, so no {@link Template} was taken: it ended or
 * failed first, or left host state behind that a clone could not have (an open file, a process).
 * The message is one sentence; the caller starts its runs cold instead.
 */
public final class TemplateException extends Exception {

    public TemplateException(String message) {
        super(message);
    }
}
