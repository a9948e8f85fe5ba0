package org.medfusion;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rules of the house that a reviewer should not have to remember, checked on the main classes. A failure names the
 * offending class and call.
 */
class ArchitectureTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.medfusion");
    }

    /** Every child JVM goes through the one launcher (error file, forwarded fallback); other tools through one runner. */
    @Test
    void onlyThePlatformStartsProcesses() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("org.medfusion.platform..")
                .should().callConstructor(ProcessBuilder.class, String[].class)
                .orShould().callConstructor(ProcessBuilder.class, java.util.List.class)
                .orShould().callMethod(Runtime.class, "exec", String.class)
                .orShould().callMethod(Runtime.class, "exec", String[].class)
                .because("child JVMs start through platform.ChildJvm (hs_err into a named folder, the native fallback"
                        + " forwarded) and other tools through platform.ExternalCommand");
        rule.check(main);
    }

    /** Convolutions run only through natives.ConvCall: the preflight's coverage and the fallback hold by construction. */
    @Test
    void onlyConvCallRunsConvolutions() {
        ArchRule rule = noClasses().that().doNotHaveFullyQualifiedName("org.medfusion.natives.ConvCall")
                .should().callMethodWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasName.Predicates.nameMatching("conv2d|convolution"))
                        .and(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                                com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                        com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("ai.djl.."))))
                        )
                .because("natives.ConvCall is the one engine call site of convolutions (preflight coverage, fallback, simulation)");
        rule.check(main);
    }

    /** Convolution blocks are built by Layers.conv (a GuardedConv2d), never from DJL's builder elsewhere. */
    @Test
    void onlyLayersBuildsConvolutionBlocks() {
        ArchRule rule = noClasses().that().doNotHaveFullyQualifiedName("org.medfusion.backbones.layers.Layers")
                .should().callMethod(ai.djl.nn.convolutional.Conv2d.class, "builder")
                .because("Layers.conv builds a GuardedConv2d, whose forward goes through natives.ConvCall");
        rule.check(main);
    }

    /** No two packages depend on each other, directly or around a loop (sub-packages count with their parent). */
    @Test
    void noPackageCycles() {
        com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices().matching("org.medfusion.(*)..")
                .should().beFreeOfCycles().check(main);
    }

    /** The platform uses nothing of ours; the engine and the command line sit where they belong. */
    @Test
    void layering() {
        noClasses().that().resideInAPackage("org.medfusion.platform..")
                .should().dependOnClassesThat(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("org.medfusion..")
                        .and(com.tngtech.archunit.base.DescribedPredicate.not(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("org.medfusion.platform.."))))
                .because("the platform is under everything").check(main);
        noClasses().that().resideInAPackage("org.medfusion.checkpoint..")
                .should().dependOnClassesThat().resideInAnyPackage("org.medfusion.backbones..", "org.medfusion.bench..",
                        "org.medfusion.cli..", "org.medfusion.train..", "org.medfusion.report..", "org.medfusion.results..",
                        "org.medfusion.gate..", "org.medfusion.history..", "org.medfusion.planner..", "org.medfusion.capacity..")
                .because("the checkpointing engine is at the bottom of the model stack").check(main);
        noClasses().that().resideOutsideOfPackage("org.medfusion.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("org.medfusion.cli..", "picocli..")
                .because("the command line is on top: nothing below it knows it or picocli").check(main);
        noClasses().that().resideInAPackage("org.medfusion.results..")
                .should().dependOnClassesThat().resideInAnyPackage("org.medfusion.report..", "org.medfusion.gate..")
                .because("the results model is read by reports and the gate, never the other way").check(main);
    }
}
