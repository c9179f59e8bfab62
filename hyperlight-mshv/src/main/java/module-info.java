/**
 * The Microsoft Hypervisor backend ({@code /dev/mshv}, Linux as Hyper-V's root partition) of the
 * hypervisor SPI, through the FFM API: it needs native access ({@code
 * --enable-native-access=dev.hyperlight.nanvix.mshv} on the module path). Found by {@link
 * java.util.ServiceLoader}; nothing is exported.
 */
module dev.hyperlight.nanvix.mshv {
    requires dev.hyperlight.nanvix;
    requires dev.hyperlight.nanvix.hostmem;
    requires org.slf4j;

    provides dev.hyperlight.nanvix.hypervisor.HypervisorProvider
            with dev.hyperlight.nanvix.mshv.MshvHypervisorProvider;
}
