package dev.hyperlight.nanvix.hypervisor;

/**
 * Where VMs run relative to the process that handles their I/O (docs/architecture.md,
 * "Deployments"; docs/security.md for what each exposes).
 */
public sealed interface Deployment {

    /** The default: VMs are driven from this JVM, which holds the hypervisor device. */
    Deployment IN_PROCESS = new InProcess();

    /** VMs run in this JVM, which holds {@code /dev/kvm}, guest RAM and every host resource. */
    record InProcess() implements Deployment {}

    /**
     * VMs in confined VMM processes, which hold the hypervisor device and nothing else; this JVM
     * (the system process) keeps every I/O, policy and interceptor and holds no hypervisor
     * descriptor. {@code poolSize} VMM processes are started ahead of demand. A VMM process hosts
     * up to {@code vmsPerProcess} VMs of one sandbox at once and, past 1, serves later VMs of the
     * same sandbox too: fewer processes to start and keep, but a VM that escapes into its VMM
     * process reaches the other VMs that process hosts (docs/security.md, "Deployments").
     */
    record MultiProcess(int poolSize, int vmsPerProcess) implements Deployment {

        public static final int DEFAULT_POOL_SIZE = 2;
        /** The most VMs one VMM process may host at once. */
        public static final int MAX_VMS_PER_PROCESS = 64;

        public MultiProcess {
            if (poolSize < 0 || poolSize > 64) {
                throw new IllegalArgumentException("the VMM process pool size must be 0 to 64, not " + poolSize);
            }
            if (vmsPerProcess < 1 || vmsPerProcess > MAX_VMS_PER_PROCESS) {
                throw new IllegalArgumentException("the VMs per VMM process must be 1 to " + MAX_VMS_PER_PROCESS
                        + ", not " + vmsPerProcess);
            }
        }

        /** Each VM in a VMM process of its own, never reused: the strongest isolation. */
        public MultiProcess(int poolSize) {
            this(poolSize, 1);
        }

        /** Whether a VMM process may host more than one VM. */
        public boolean sharesProcesses() {
            return vmsPerProcess > 1;
        }
    }

    /**
     * As the CLI spells them: {@code in-process}, {@code multi-process} (one VM per VMM process) or
     * {@code multi-process:N} (up to N VMs of a sandbox per VMM process), the default pool size.
     */
    static Deployment parse(String name) {
        if (name.equals("in-process")) {
            return IN_PROCESS;
        }
        if (name.equals("multi-process")) {
            return new MultiProcess(MultiProcess.DEFAULT_POOL_SIZE);
        }
        if (name.startsWith("multi-process:")) {
            String count = name.substring("multi-process:".length());
            if (count.matches("[0-9]{1,3}")) {
                return new MultiProcess(MultiProcess.DEFAULT_POOL_SIZE, Integer.parseInt(count));
            }
        }
        throw new IllegalArgumentException(
                "unknown deployment '" + name + "': expected in-process, multi-process or multi-process:N");
    }
}
