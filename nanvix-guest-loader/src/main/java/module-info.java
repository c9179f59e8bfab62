/**
 * Reads the guest kernel and program ELF files and lays out the guest's boot memory: the
 * host/guest ABI (ports, addresses, the boot block) lives here. It serves hyperlight-core only.
 */
// The modules named in qualified exports are compiled after this one.
@SuppressWarnings("module")
module dev.hyperlight.nanvix.loader {
    requires org.slf4j;

    exports dev.hyperlight.nanvix.loader to dev.hyperlight.nanvix;
}
