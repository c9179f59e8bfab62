/**
 * Hyperlight-Nanvix for Java: run untrusted programs in micro-VMs.
 *
 * <p>Exported: the API ({@code dev.hyperlight.nanvix}: {@code Sandbox}, {@code RuntimeConfig},
 * {@code RunResult}...) and the hypervisor SPI that backends such as {@code
 * dev.hyperlight.nanvix.kvm} implement ({@code dev.hyperlight.nanvix.hypervisor}). The VMM
 * ({@code vmm}) is internal.
 */
module dev.hyperlight.nanvix {
    requires transitive dev.hyperlight.nanvix.interpose;
    requires dev.hyperlight.nanvix.loader;
    // The guest kernel binary: a resource-only module (see GuestKernel).
    requires dev.hyperlight.nanvix.kernel;
    requires java.management;
    requires jdk.jfr;
    requires org.slf4j;

    exports dev.hyperlight.nanvix;
    exports dev.hyperlight.nanvix.hypervisor;

    uses dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
}
