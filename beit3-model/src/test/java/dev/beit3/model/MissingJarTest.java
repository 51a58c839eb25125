package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Removing a plugin jar from the class path is a {@link dev.beit3.api.ProviderException} naming the missing
 * provider, not a class-loading failure: a child JVM loads a demo model with the test class path minus one module
 * (its {@code target/classes} in the reactor, its jar otherwise), through the real discovery path.
 */
class MissingJarTest {
    private static final String TASK = "vqa";

    /** Runs the probe with the class path minus the entries of {@code module}; returns exit code and output. */
    private static Run probe(String module) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Pattern of = Pattern.compile("(^|[/\\\\])" + Pattern.quote(String.valueOf(module)) + "([/\\\\]|-\\d)");
        List<String> kept = new ArrayList<>();
        int removed = 0;
        for (String e : cp.split(Pattern.quote(File.pathSeparator))) {
            if (module != null && of.matcher(e).find()) {
                removed++;
            } else {
                kept.add(e);
            }
        }
        if (module != null) {
            assertThat(removed).as("class path entries of " + module + " in " + cp).isPositive();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx1g", "-Dai.djl.offline=true",
                "-Dbeit3.kernels=" + System.getProperty("beit3.kernels", "djl"), "-cp",
                String.join(File.pathSeparator, kept), MissingJarProbe.class.getName(), Fixtures.demo().toString(), TASK)
                .redirectErrorStream(false).start();
        p.getOutputStream().close();
        p.getErrorStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        Run r = new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).strip());
        System.out.println((module == null ? "with every jar" : "without " + module) + ": exit " + r.code + ", " + r.out.lines().findFirst().orElse(""));
        return r;
    }

    private record Run(int code, String out) {}

    @Test
    void withEveryJarTheProbeLoadsTheModel() throws Exception {
        Run r = probe(null);
        assertThat(r.code).as(r.out).isZero();
        assertThat(r.out).isEqualTo("loaded " + TASK);
    }

    /** Without {@code module}, the load is a ProviderException whose message matches {@code missing}. */
    private static void refusedWithout(String module, String missing, String hint) throws Exception {
        Run r = probe(module);
        assertThat(r.code).as(r.out).isEqualTo(3);
        assertThat(r.out).startsWith("ProviderException: ").containsPattern(missing).contains(hint);
    }

    @Test
    void withoutTheVisionJarLoadingIsAProviderExceptionNamingTheVisionProvider() throws Exception {
        refusedWithout("expert-vision", "no (expert|embedding|image-preprocessor) provider 'beit3-(vision|image)'",
                "expert-vision");
    }

    @Test
    void withoutTheLanguageJarLoadingIsAProviderExceptionNamingTheLanguageProvider() throws Exception {
        refusedWithout("expert-language", "no (expert|embedding|tokenizer) provider 'beit3-(language|sentencepiece)'",
                "expert-language");
    }

    @Test
    void withoutTheHeadsJarLoadingIsAProviderExceptionNamingTheHead() throws Exception {
        refusedWithout("heads", "no head provider '" + TASK + "'", "heads jar");
    }
}
