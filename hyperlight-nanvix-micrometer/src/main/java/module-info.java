/**
 * The optional Micrometer binding of Hyperlight-Nanvix: {@link
 * dev.hyperlight.nanvix.micrometer.SandboxMetrics}, a sandbox listener that keeps runs, run
 * durations, forwarded calls and limits reached as meters of a {@code MeterRegistry}.
 */
// micrometer-core is an automatic module (an Automatic-Module-Name, no module-info), and its
// MeterRegistry is in this module's API: users must read it.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.hyperlight.nanvix.micrometer {
    requires transitive dev.hyperlight.nanvix;
    requires transitive micrometer.core;

    exports dev.hyperlight.nanvix.micrometer;
}
