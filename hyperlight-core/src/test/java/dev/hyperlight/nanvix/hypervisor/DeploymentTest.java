package dev.hyperlight.nanvix.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hyperlight.nanvix.RuntimeConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeploymentTest {

    @Test
    void theCliNamesParseAndOthersAreRefused() {
        assertThat(Deployment.parse("in-process")).isEqualTo(Deployment.IN_PROCESS);
        assertThat(Deployment.parse("multi-process"))
                .isEqualTo(new Deployment.MultiProcess(Deployment.MultiProcess.DEFAULT_POOL_SIZE));
        assertThatThrownBy(() -> Deployment.parse("remote")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-process, multi-process or multi-process:N");
        assertThat(Deployment.parse("multi-process:8"))
                .isEqualTo(new Deployment.MultiProcess(Deployment.MultiProcess.DEFAULT_POOL_SIZE, 8));
        assertThat(new Deployment.MultiProcess(2).vmsPerProcess()).isEqualTo(1);
        assertThatThrownBy(() -> Deployment.parse("multi-process:0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 64");
        assertThatThrownBy(() -> Deployment.parse("multi-process:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Deployment.MultiProcess(2, 65)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Deployment.MultiProcess(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Deployment.MultiProcess(65)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void inProcessIsTheDefaultAndAConfigurationKeepsItsChoice() throws Exception {
        assertThat(RuntimeConfig.defaults().deployment()).isEqualTo(Deployment.IN_PROCESS);
        RuntimeConfig multi = RuntimeConfig.builder().deployment(new Deployment.MultiProcess(3)).build();
        assertThat(multi.toBuilder().build().deployment()).isEqualTo(new Deployment.MultiProcess(3));
    }

    /** A backend that has only the in-process deployment refuses the other with UNSUPPORTED. */
    @Test
    void aBackendWithoutMultiProcessRefusesIt() {
        HypervisorProvider inProcessOnly = new HypervisorProvider() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public Path device() {
                return Path.of("/nonexistent");
            }

            @Override
            public boolean isPresent() {
                return false;
            }

            @Override
            public Flavour flavour() {
                return Flavour.UNKNOWN;
            }

            @Override
            public Hypervisor open() throws HypervisorException {
                throw new HypervisorException(HypervisorException.Kind.DEVICE_MISSING, "none");
            }
        };
        assertThatThrownBy(() -> inProcessOnly.open(new Deployment.MultiProcess(1)))
                .isInstanceOfSatisfying(HypervisorException.class,
                        e -> assertThat(e.kind()).isEqualTo(HypervisorException.Kind.UNSUPPORTED));
    }
}
