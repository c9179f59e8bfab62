/**
 * The host side of a guest's system calls, in layers: the Linux ABI vocabulary ({@code abi}),
 * guest-memory access ({@code memory}), the virtual file system ({@code vfs}), open files and the
 * fd table ({@code file}), processes ({@code process}), host I/O ({@code io}) and the system-call
 * table that decides each forwarded call ({@code syscall}).
 *
 * <p>Exported to everyone: the interposition API (the table, its actions and the decoded call)
 * and the ABI vocabulary and guest memory it is written in. The layers below serve
 * hyperlight-core only.
 */
// The modules named in qualified exports are compiled after this one.
@SuppressWarnings("module")
module dev.hyperlight.nanvix.interpose {
    requires com.fasterxml.jackson.core;
    requires jdk.jfr;
    requires org.slf4j;

    exports dev.hyperlight.nanvix.syscall;
    exports dev.hyperlight.nanvix.abi;
    exports dev.hyperlight.nanvix.memory;
    exports dev.hyperlight.nanvix.io to dev.hyperlight.nanvix;
    exports dev.hyperlight.nanvix.vfs to dev.hyperlight.nanvix;
    exports dev.hyperlight.nanvix.process to dev.hyperlight.nanvix;
}
