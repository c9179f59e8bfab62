package dev.hyperlight.nanvix;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A Flight Recorder event for one run that ended with a result, from its VM's creation to its
 * destruction, committed on the run's vCPU thread. No stack trace: it would always be the
 * sandbox's own.
 */
@Name(RunEvent.NAME)
@Label("Sandbox Run")
@Category("Hyperlight-Nanvix")
@Description("A program run in a hardware-isolated micro-VM, from the VM's creation to its destruction")
@StackTrace(false)
final class RunEvent extends Event {

    static final String NAME = "dev.hyperlight.nanvix.Run";

    @Label("Run")
    @Description("The run's id in its sandbox: run-1, run-2...")
    String runId;

    @Label("Program")
    @Description("What was run: the program's or script's path, javascript code, or the runtime's name")
    String program;

    @Label("Runtime")
    @Description("The runtime that ran it (javascript, python), or null for an ELF program")
    String runtime;

    @Label("Start")
    @Description("How the VM started: cold (booted the guest kernel from its image)")
    String start;

    @Label("Termination")
    @Description("exited, timed_out, cpu_time_exceeded, faulted, audit_failed or vm_failed")
    String termination;

    @Label("Exit Status")
    @Description("The status a shell would report: the program's own, 124 on timeout, 128+N on a fault")
    int exitStatus;

    @Label("Limits Reached")
    @Description("Limits the run ran into without being stopped (output, open_files, tmp_quota, memory), comma-separated")
    String limitsReached;
}
