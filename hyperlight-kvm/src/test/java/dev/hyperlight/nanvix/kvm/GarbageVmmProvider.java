package dev.hyperlight.nanvix.kvm;

import dev.hyperlight.nanvix.hypervisor.Deployment;
import dev.hyperlight.nanvix.hypervisor.Flavour;
import dev.hyperlight.nanvix.hypervisor.Hypervisor;
import dev.hyperlight.nanvix.hypervisor.HypervisorException;
import dev.hyperlight.nanvix.hypervisor.HypervisorProvider;
import java.nio.file.Path;
import java.util.List;

/**
 * TEST-ONLY backends (in hyperlight-kvm's test jar only): KVM in the multi-process deployment whose
 * VMM processes serve well until their {@value #RUN}th {@code KVM_RUN}, then answer it with garbage
 * of one kind ({@code hyperlight-vmm serve-garbage}, vmm/src/main.rs), as a VMM process an escaped
 * guest took over mid-run might. Chosen by name ({@code kvm-garbage-KIND}); {@code auto} never picks
 * them, and they refuse the in-process deployment.
 */
public abstract class GarbageVmmProvider implements HypervisorProvider {

    /** The KVM_RUN answered with garbage: in a cold run of hello.py, inside CPython's start (it makes 800 to 1,600). */
    public static final int RUN = 200;

    private final KvmHypervisorProvider kvm = new KvmHypervisorProvider();
    private final String kind;

    private GarbageVmmProvider(String kind) {
        this.kind = kind;
    }

    @Override
    public String name() {
        return "kvm-garbage-" + kind;
    }

    @Override
    public Path device() {
        return kvm.device();
    }

    @Override
    public boolean isPresent() {
        return kvm.isPresent();
    }

    @Override
    public Flavour flavour() {
        return kvm.flavour();
    }

    @Override
    public Hypervisor open() throws HypervisorException {
        return open(Deployment.IN_PROCESS);
    }

    @Override
    public Hypervisor open(Deployment deployment) throws HypervisorException {
        if (!(deployment instanceof Deployment.MultiProcess multiProcess)) {
            throw new HypervisorException(HypervisorException.Kind.UNSUPPORTED, name() + " is multi-process only");
        }
        return KvmHypervisor.openMultiProcess(device(), multiProcess,
                List.of("serve-garbage", kind, String.valueOf(RUN)));
    }

    /** A KVM_RUN result no kernel returns. */
    public static final class Result extends GarbageVmmProvider {
        public Result() {
            super("result");
        }
    }

    /** An exit reason KVM does not have. */
    public static final class ExitReason extends GarbageVmmProvider {
        public ExitReason() {
            super("exit-reason");
        }
    }

    /** A port I/O exit whose data lies outside {@code kvm_run}. */
    public static final class IoOutside extends GarbageVmmProvider {
        public IoOutside() {
            super("io-outside");
        }
    }
}
