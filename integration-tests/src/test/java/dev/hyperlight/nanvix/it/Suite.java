package dev.hyperlight.nanvix.it;

import dev.hyperlight.nanvix.RuntimeConfig;
import dev.hyperlight.nanvix.hypervisor.Deployment;

/**
 * The deployment this run of the integration suite holds every feature to: {@code in-process} by
 * default, {@code multi-process} with {@code -Dit.deployment=multi-process} (integration-tests/pom.xml
 * runs the suite in both; issue 14: "every feature works the same in both modes"). Every test
 * builds its {@link RuntimeConfig} from {@link #config()} (ArchitectureTest checks it), unless it
 * is about one deployment ({@link InProcessOnly}, MultiProcessDeploymentTest).
 */
final class Suite {

    /** The system property that chooses the deployment, spelt as the CLI's {@code --deployment}. */
    static final String DEPLOYMENT = "it.deployment";

    private Suite() {}

    static Deployment deployment() {
        return Deployment.parse(System.getProperty(DEPLOYMENT, "in-process"));
    }

    static boolean multiProcess() {
        return deployment() instanceof Deployment.MultiProcess;
    }

    /** A configuration builder in this run's deployment. */
    static RuntimeConfig.Builder config() {
        return RuntimeConfig.builder().deployment(deployment());
    }
}
