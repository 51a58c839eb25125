package dev.beit3.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of beit3-java (README, "Modules"), checked with ArchUnit on the compiled main classes of
 * every module: this module's test class path holds them all.
 *
 * <p>Plugin modules (the experts, the heads, VLMo, the kernel backends) are reached only through the
 * {@code beit3-api} SPIs and {@code ServiceLoader}, so no other module's main code may name one of their classes;
 * that is what lets a missing plugin jar end in a {@code ProviderException} instead of a class-loading error. The
 * contracts depend on nothing of ours, the core on the contracts only, the facade on the contracts and the core.
 */
class ArchitectureTest {
    private static final String API = "dev.beit3.api..";
    private static final String CORE = "dev.beit3.core..";
    private static final String MODEL = "dev.beit3.model..";
    private static final String[] PLUGINS = {
        "dev.beit3.expert..", "dev.beit3.heads..", "dev.beit3.vlmo..", "dev.beit3.kernels.."
    };
    private static final String[] APPLICATIONS = {
        "dev.beit3.train..", "dev.beit3.bench..", "dev.beit3.serve..", "dev.beit3.index..", "dev.beit3.onnx..",
        "dev.beit3.spark..", "dev.beit3.cli..", "dev.beit3.guice.."
    };
    private static JavaClasses classes;

    /** Main classes only: neither test-classes directories nor test jars. */
    private static final class MainClassesOnly implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(new MainClassesOnly()).importPackages("dev.beit3");
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    @Test
    @DisplayName("the rules read the main classes of every module (so that none of them passes on an empty set)")
    void everyModuleIsRead() {
        Set<String> packages = classes.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
        for (String p : new String[] {"dev.beit3.api", "dev.beit3.core.load", "dev.beit3.guice",
            "dev.beit3.expert.vision", "dev.beit3.expert.language", "dev.beit3.heads", "dev.beit3.vlmo",
            "dev.beit3.kernels.onednn", "dev.beit3.model", "dev.beit3.train", "dev.beit3.bench", "dev.beit3.serve",
            "dev.beit3.index", "dev.beit3.index.parquet", "dev.beit3.onnx", "dev.beit3.spark", "dev.beit3.cli"}) {
            assertThat(packages).as("main classes of %s", p).contains(p);
        }
        assertThat(classes.stream().map(JavaClass::getName)).as("test classes are not read")
                .doesNotContain(ArchitectureTest.class.getName());
    }

    /** What the rules forbid: code outside expert-vision naming one of its classes. */
    static final class NamesAnExpertClass {
        Object transform() {
            return dev.beit3.expert.vision.image.ImageTransform.vlEval(224);
        }
    }

    @Test
    @DisplayName("the plugin rule catches a class that names an expert's implementation")
    void thePluginRuleCanFail() {
        JavaClasses violation = new ClassFileImporter().importClasses(NamesAnExpertClass.class);
        assertThatThrownBy(() -> noClasses().that().resideOutsideOfPackage("dev.beit3.expert..")
                .should().dependOnClassesThat().resideInAPackage("dev.beit3.expert..").check(violation))
                .isInstanceOf(AssertionError.class).hasMessageContaining("ImageTransform");
    }

    private static void reachedOnlyThroughTheApi(String plugin) {
        noClasses().that().resideOutsideOfPackage(plugin)
                .should().dependOnClassesThat().resideInAPackage(plugin)
                .because("a plugin module is reached through beit3-api SPIs and ServiceLoader only")
                .check(classes);
    }

    @Test
    @DisplayName("no other module's main code names a class of the expert modules")
    void expertsOnlyThroughTheApi() {
        reachedOnlyThroughTheApi("dev.beit3.expert..");
    }

    @Test
    @DisplayName("no other module's main code names a class of the heads module")
    void headsOnlyThroughTheApi() {
        reachedOnlyThroughTheApi("dev.beit3.heads..");
    }

    @Test
    @DisplayName("no other module's main code names a class of the VLMo module")
    void vlmoOnlyThroughTheApi() {
        reachedOnlyThroughTheApi("dev.beit3.vlmo..");
    }

    @Test
    @DisplayName("no other module's main code names a class of a kernel backend")
    void kernelsOnlyThroughTheApi() {
        reachedOnlyThroughTheApi("dev.beit3.kernels..");
    }

    @Test
    @DisplayName("beit3-api depends on no other module of ours")
    void apiStandsAlone() {
        noClasses().that().resideInAPackage(API)
                .should().dependOnClassesThat().resideInAnyPackage(concat(new String[] {CORE, MODEL}, PLUGINS,
                        APPLICATIONS))
                .check(classes);
    }

    @Test
    @DisplayName("beit3-core depends on beit3-api only")
    void coreDependsOnTheApiOnly() {
        noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage(concat(new String[] {MODEL}, PLUGINS, APPLICATIONS))
                .check(classes);
    }

    @Test
    @DisplayName("the facade (beit3-model) depends on beit3-api and beit3-core only")
    void facadeDependsOnApiAndCoreOnly() {
        noClasses().that().resideInAPackage(MODEL)
                .should().dependOnClassesThat().resideInAnyPackage(concat(PLUGINS, APPLICATIONS))
                .check(classes);
    }

    @Test
    @DisplayName("training does not depend on the benchmark; no library module depends on the command line")
    void applicationsPointOneWay() {
        noClasses().that().resideInAPackage("dev.beit3.train..")
                .should().dependOnClassesThat().resideInAPackage("dev.beit3.bench..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("dev.beit3.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.beit3.cli..")
                .check(classes);
    }
}
