package dev.hyperlight.nanvix.syscall;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A Flight Recorder event for one forwarded call, committed by {@link SyscallTable#dispatch}. As
 * with {@code jdk.FileRead}, only calls slower than the threshold (20 ms unless the recording's
 * settings say otherwise) are recorded; the thread is the run's vCPU thread. No stack trace:
 * it would always be the VMM's run loop.
 */
@Name(ForwardedCallEvent.NAME)
@Label("Forwarded System Call")
@Category({"Hyperlight-Nanvix", "System Calls"})
@Description("A system call the guest kernel forwarded to the host, and how the sandbox's system-call table decided it")
@StackTrace(false)
@Threshold("20 ms")
final class ForwardedCallEvent extends Event {

    static final String NAME = "dev.hyperlight.nanvix.ForwardedCall";

    @Label("System Call")
    @Description("Linux's name of the call, or syscall_N for a number x86-64 Linux does not assign")
    String name;

    @Label("Number")
    long number;

    @Label("Decision")
    @Description("accepted, intercepted, blocked or no_entry")
    String decision;

    @Label("Result")
    @Description("The value the guest got, or -errno")
    long result;

    @Label("Error")
    @Description("The error the call failed with (EACCES...), or null when it succeeded")
    String errno;
}
