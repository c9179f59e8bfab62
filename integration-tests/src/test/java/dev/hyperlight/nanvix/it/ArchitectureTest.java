package dev.hyperlight.nanvix.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.hyperlight.nanvix.RuntimeConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The host's layering, checked on the compiled classes of every library module and the CLI
 * (docs/architecture.md, "Layers"). Each layer may use only the layers below it; nothing may
 * form a cycle between packages.
 */
@Tag("no-vm") // runs without /dev/kvm too (scripts/nested-kvm/run-tests)
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.hyperlight.nanvix");
    }

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.hyperlight.nanvix.(*)..").should().beFreeOfCycles()
                .because("every package depends on the ones below it only").check(classes);
    }

    /**
     * The integration tests hold every feature to the deployment the run chose ({@link Suite}): a
     * test builds its configuration from {@link Suite#config()}, unless it is about one deployment.
     */
    @Test
    void integrationTestsRunInTheSuitesDeployment() {
        JavaClasses tests = new ClassFileImporter().importPackages("dev.hyperlight.nanvix.it");
        noClasses().that().doNotHaveSimpleName("Suite").and().doNotHaveSimpleName("MultiProcessDeploymentTest")
                .and().doNotHaveSimpleName("SharedVmmProcessTest")
                .and().areNotAnnotatedWith(InProcessOnly.class)
                .should().callMethod(RuntimeConfig.class, "builder")
                .because("Suite.config() chooses the deployment the suite runs in (-Dit.deployment)")
                .check(tests);
    }

    @Test
    void layersUseOnlyTheLayersBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("dev.hyperlight.nanvix..")
                .layer("Linux ABI").definedBy("..nanvix.abi..")
                .layer("Guest memory").definedBy("..nanvix.memory..")
                .layer("File system").definedBy("..nanvix.vfs..")
                .layer("Open files").definedBy("..nanvix.file..")
                .layer("Processes").definedBy("..nanvix.process..")
                .layer("Host I/O").definedBy("..nanvix.io..")
                .layer("Interposition").definedBy("..nanvix.syscall..")
                .layer("Loader").definedBy("..nanvix.loader..")
                .layer("Hypervisor SPI").definedBy("..nanvix.hypervisor..")
                .layer("VMM").definedBy("..nanvix.vmm..")
                .layer("API").definedBy("dev.hyperlight.nanvix")
                .layer("Host memory").definedBy("..nanvix.hostmem..")
                .layer("Backends").definedBy("..nanvix.kvm..", "..nanvix.mshv..")
                .layer("CLI").definedBy("..nanvix.cli..")
                .layer("Bindings").definedBy("..nanvix.micrometer..", "..nanvix.mcp..", "..nanvix.langchain4j..",
                        "..nanvix.server..")
                .whereLayer("CLI").mayNotBeAccessedByAnyLayer()
                .whereLayer("Bindings").mayOnlyBeAccessedByLayers("CLI")
                .whereLayer("Backends").mayNotBeAccessedByAnyLayer()
                .whereLayer("Host memory").mayOnlyBeAccessedByLayers("Backends")
                .whereLayer("API").mayOnlyBeAccessedByLayers("CLI", "Bindings")
                .whereLayer("VMM").mayOnlyBeAccessedByLayers("API")
                .whereLayer("Hypervisor SPI").mayOnlyBeAccessedByLayers("VMM", "API", "Host memory", "Backends", "CLI")
                .whereLayer("Loader").mayOnlyBeAccessedByLayers("VMM", "API")
                .whereLayer("Interposition").mayOnlyBeAccessedByLayers("VMM", "API", "CLI", "Bindings")
                .whereLayer("Host I/O").mayOnlyBeAccessedByLayers("Interposition", "VMM", "API")
                .whereLayer("Processes").mayOnlyBeAccessedByLayers("Host I/O", "Interposition", "VMM")
                .whereLayer("Open files").mayOnlyBeAccessedByLayers("Host I/O")
                .whereLayer("File system").mayOnlyBeAccessedByLayers("Open files", "Host I/O", "Interposition", "API", "CLI")
                .whereLayer("Guest memory").mayOnlyBeAccessedByLayers("Interposition", "VMM", "API")
                .whereLayer("Linux ABI").mayOnlyBeAccessedByLayers("File system", "Open files", "Processes", "Host I/O",
                        "Interposition", "VMM", "API", "CLI", "Bindings")
                .check(classes);
    }
}
