package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import dev.beit3.api.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The public API on one page: every public top-level type of the library modules carries {@code @Api(status,
 * since)}, and {@code docs/public-api.md} lists exactly the STABLE and EXPERIMENTAL ones with their status.
 */
class PublicApiTest {
    /** The library modules' packages (the applications — train, bench, serve, index, onnx, spark, cli — are not). */
    private static final String[] LIBRARY = {
        "dev.beit3.api", "dev.beit3.core", "dev.beit3.guice", "dev.beit3.expert", "dev.beit3.heads", "dev.beit3.vlmo",
        "dev.beit3.model", "dev.beit3.kernels"
    };
    private static final Path PAGE = Path.of("..", "docs", "public-api.md");
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption((Location l) -> !l.contains("/test-classes/") && !l.contains("-tests.jar"))
                .importPackages(LIBRARY);
    }

    private static boolean publicTopLevel(JavaClass c) {
        return c.isTopLevelClass() && c.getModifiers().contains(JavaModifier.PUBLIC)
                && !c.getSimpleName().equals("package-info");
    }

    /** Status by type name, from the annotations in the compiled classes. */
    private static Map<String, String> annotated() {
        Map<String, String> m = new TreeMap<>();
        for (JavaClass c : classes) {
            if (publicTopLevel(c) && c.isAnnotatedWith(Api.class)) {
                m.put(c.getName(), c.getAnnotationOfType(Api.class).status().name());
            }
        }
        return m;
    }

    @Test
    @DisplayName("every public top-level type of a library module says how stable it is and since when")
    void everyPublicTypeIsAnnotated() {
        List<String> missing = classes.stream().filter(PublicApiTest::publicTopLevel)
                .filter(c -> !c.isAnnotatedWith(Api.class)).map(JavaClass::getName).sorted().toList();
        assertThat(missing).as("public types without @Api(status, since)").isEmpty();
        assertThat(annotated()).as("the library's public types").hasSizeGreaterThan(50);
        classes.stream().filter(PublicApiTest::publicTopLevel).forEach(c ->
                assertThat(c.getAnnotationOfType(Api.class).since()).as(c.getName()).matches("\\d+\\.\\d+\\.\\d+"));
    }

    @Test
    @DisplayName("docs/public-api.md lists exactly the STABLE and EXPERIMENTAL types, with their status")
    void thePageMatchesTheCode() throws IOException {
        Map<String, String> page = new TreeMap<>();
        Matcher m = Pattern.compile("^\\| [\\w-]+ \\| `([\\w.]+)` \\| (STABLE|EXPERIMENTAL|INTERNAL) \\|",
                Pattern.MULTILINE).matcher(Files.readString(PAGE));
        while (m.find()) {
            page.put(m.group(1), m.group(2));
        }
        Map<String, String> code = new TreeMap<>(annotated());
        code.values().removeIf("INTERNAL"::equals);
        assertThat(page).as("%s against the @Api annotations", PAGE).isEqualTo(code);
        assertThat(code.size()).as("a public API that fits on one page").isLessThanOrEqualTo(100);
    }

    @Test
    @DisplayName("plugin implementations and the core's helpers are internal")
    void helpersAreInternal() {
        Map<String, String> code = annotated();
        code.forEach((name, status) -> {
            if (name.startsWith("dev.beit3.expert.") || name.startsWith("dev.beit3.heads.")
                    || name.startsWith("dev.beit3.vlmo.") || name.startsWith("dev.beit3.kernels.")
                    || name.startsWith("dev.beit3.core.nn.")) {
                assertThat(status).as(name).isEqualTo("INTERNAL");
            }
        });
        assertThat(code).containsEntry("dev.beit3.core.multiway.Beit3Branch", "INTERNAL")
                .containsEntry("dev.beit3.model.Beit3", "STABLE");
    }
}
