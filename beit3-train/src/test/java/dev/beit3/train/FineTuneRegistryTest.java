package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fine-tuning run takes its tokenizer, image preprocessing, experts and head from one provider registry: given
 * one, it discovers nothing; given none, it discovers once for the whole run. Counted with the process-wide {@link
 * ProviderRegistry#discoveryRuns()}, on a captioning run with the random crop (tokenizer, Pillow resize and the
 * captioning head's masked-LM forward all reached through the api).
 */
class FineTuneRegistryTest {
    @TempDir
    Path dir;

    private FineTune.Options captioning(Path data, Path output) {
        FineTune.Options d = FineTune.Options.defaults("captioning", data,
                Fixtures.projectDemo().resolve("captioning.pth"), output, 1, 2, 1e-4, 4);
        return new FineTune.Options(d.task(), d.data(), d.checkpoint(), d.scratch(),
                Fixtures.projectDemo().resolve("shapes.spm"), d.output(), d.resume(), d.steps(), d.batchSize(),
                d.accumulation(), d.lr(), d.minLr(), d.warmupSteps(), d.weightDecay(), d.betas2(), d.layerDecay(),
                d.headLrWeight(), d.labelSmoothing(), d.clipGrad(), d.freezeEncoder(), Augmentation.visionLanguage(false),
                d.regularization(), d.attentionHeads(), 20, d.maskProbability(), d.numClasses(), d.visualVocab(),
                d.visualTokenizer(), d.saveEvery(), d.seed());
    }

    @Test
    void aRunDiscoversProvidersOnceOrNotAtAllWhenGivenThem() throws Exception {
        Path data = dir.resolve("captioning");
        ShapesWorld.write(data, "captioning", 4, 3);
        ProviderRegistry registry = ProviderRegistry.discover();

        long before = ProviderRegistry.discoveryRuns();
        FineTune.Result given = FineTune.run(captioning(data, dir.resolve("given.pth")), null, registry);
        long withRegistry = ProviderRegistry.discoveryRuns() - before;

        before = ProviderRegistry.discoveryRuns();
        FineTune.Result own = FineTune.run(captioning(data, dir.resolve("own.pth")), null);
        long withoutRegistry = ProviderRegistry.discoveryRuns() - before;
        System.out.printf("fine-tune discovery runs: %d with a registry, %d without; loss %.6f and %.6f%n",
                withRegistry, withoutRegistry, given.firstLoss(), own.firstLoss());

        assertThat(withRegistry).as("discoveries of a run given its registry").isZero();
        assertThat(withoutRegistry).as("discoveries of a run that finds its own providers").isEqualTo(1);
        assertThat(given.steps()).isEqualTo(1);
        assertThat(Files.isRegularFile(dir.resolve("given.pth"))).isTrue();
        assertThat(Double.isFinite(given.firstLoss())).isTrue();
        assertThat(own.firstLoss()).as("the same seeded run, whichever way its providers were found")
                .isEqualTo(given.firstLoss());
    }
}
