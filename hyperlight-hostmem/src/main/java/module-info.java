/**
 * Guest RAM and snapshot RAM on the host, shared by the hypervisor backends (KVM and mshv): guard-paged
 * mappings of guest RAM, copy-on-write mappings of a snapshot, the sealed memfd a snapshot's RAM
 * lives in, and copies that skip untouched pages; and, in {@code hostmem.sys}, the one binding of
 * the C library that host memory and both backends call. It makes native calls (FFM): on the
 * module path it needs {@code --enable-native-access=dev.hyperlight.nanvix.hostmem} with the
 * backends. It serves the backends only.
 */
// The modules named in qualified exports are compiled after this one.
@SuppressWarnings("module")
module dev.hyperlight.nanvix.hostmem {
    requires transitive dev.hyperlight.nanvix;
    requires org.slf4j;

    exports dev.hyperlight.nanvix.hostmem to dev.hyperlight.nanvix.kvm, dev.hyperlight.nanvix.mshv;
    exports dev.hyperlight.nanvix.hostmem.sys to dev.hyperlight.nanvix.kvm, dev.hyperlight.nanvix.mshv;
}
