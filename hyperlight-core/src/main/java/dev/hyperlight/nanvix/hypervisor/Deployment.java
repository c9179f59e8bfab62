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
     * Each VM in its own confined VMM process, which holds the hypervisor device and nothing else;
     * this JVM (the system process) keeps every I/O, policy and interceptor and holds no
     * hypervisor descriptor. {@code poolSize} VMM processes are started ahead of demand.
     */
    record MultiProcess(int poolSize) implements Deployment {

        public static final int DEFAULT_POOL_SIZE = 2;

        public MultiProcess {
            if (poolSize < 0 || poolSize > 64) {
                throw new IllegalArgumentException("the VMM process pool size must be 0 to 64, not " + poolSize);
            }
        }
    }

    /** {@code in-process} or {@code multi-process} (the default pool size), as the CLI spells them. */
    static Deployment parse(String name) {
        return switch (name) {
            case "in-process" -> IN_PROCESS;
            case "multi-process" -> new MultiProcess(MultiProcess.DEFAULT_POOL_SIZE);
            default -> throw new IllegalArgumentException(
                    "unknown deployment '" + name + "': expected in-process or multi-process");
        };
    }
}
