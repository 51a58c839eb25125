package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.vlmo.VlmoRelativePositionBias;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.InputLayout;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import dev.beit3.api.Route;
import dev.beit3.api.Segment;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.guice.Beit3CoreModule;
import dev.beit3.guice.PluginBinder;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.vlmo.VlmoEncoders;
import dev.beit3.vlmo.VlmoLayout;
import dev.beit3.model.Beit3;
import dev.beit3.model.Vlmo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Loading VLMo checkpoints through the plugin framework: discovery of the VL expert, the printed routing
 * plan, refusal of the other family's checkpoints, and the message when expert-vl is missing.
 */
class VlmoLoadingTest {

    /**
     * A VLMo checkpoint of the fixture root whose layout needs no outside knowledge (H from its relative
     * position table) and that has a VL expert (s < L).
     */
    private static Path vlmoCheckpoint() throws Exception {
        try (Stream<Path> s = Files.walk(Fixtures.root().resolve("models"), 2)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".pt")
                    && p.getParent().getFileName().toString().startsWith("vlmo_")).sorted().toList()) {
                Checkpoint c = Checkpoint.read(p);
                if (c.tensors().containsKey("relative_position_bias_table")) {
                    VlmoLayout l = VlmoLayout.of(c);
                    if (l.vlStartLayer() < l.layers()) {
                        return p;
                    }
                }
            }
        }
        throw new AssertionError("no VLMo checkpoint with a relative position table under " + Fixtures.root());
    }

    /** A BEiT-3 checkpoint of the fixture root. */
    private static Path beit3Checkpoint() throws Exception {
        try (Stream<Path> s = Files.walk(Fixtures.root().resolve("models"), 2)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pth")
                    && !p.getParent().getFileName().toString().startsWith("vlmo_")).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void serviceLoaderAndGuiceFindTheVisionLanguageExpert() {
        ProviderRegistry discovered = ProviderRegistry.discover();
        ExpertProvider vl = discovered.findExpert(VlmoEncoders.VL).orElseThrow();
        assertThat(vl.getClass().getName()).startsWith("dev.beit3.vlmo.");
        assertThat(vl.modality()).isEqualTo(Modality.VISION_LANGUAGE);
        assertThat(vl.family()).isEqualTo(ModelFamily.VLMO);
        assertThat(vl.slots()).containsExactly(LayerSlot.FFN);
        assertThat(discovered.findExpert(VlmoEncoders.SHARED)).isPresent();
        assertThat(discovered.findExpert(VlmoEncoders.IMAGE)).isPresent();
        assertThat(discovered.findExpert(VlmoEncoders.TEXT)).isPresent();
        assertThat(discovered.findEmbedding(VlmoEncoders.IMAGE)).isPresent();
        assertThat(discovered.findEmbedding(VlmoEncoders.TEXT)).isPresent();

        // beit3-vlmo holds no Guice code: a container binds its providers by id like any other plugin's
        Injector injector = Guice.createInjector(Beit3CoreModule.withoutDiscovery(), new AbstractModule() {
            @Override
            protected void configure() {
                PluginBinder.expert(binder(), VlmoEncoders.VL).to(dev.beit3.vlmo.VlmoVisionLanguageExpertProvider.class);
                PluginBinder.expert(binder(), VlmoEncoders.SHARED).to(dev.beit3.vlmo.VlmoSharedExpertProvider.class);
            }
        });
        ProviderRegistry bound = injector.getInstance(ProviderRegistry.class);
        assertThat(bound.experts()).containsKeys(VlmoEncoders.VL, VlmoEncoders.SHARED);
    }

    @Test
    void printedPlanShowsTheVisionLanguageExpertFromLayerS() throws Exception {
        try (Vlmo m = Vlmo.load(vlmoCheckpoint())) {
            String printed = m.plan().describe();
            System.out.println(m);
            int s = m.config().vlExpertStartLayer();
            int layers = m.config().layers();
            assertThat(s).isLessThan(layers);
            List<String> fused = printed.lines().dropWhile(l -> !l.startsWith("FUSED")).skip(1)
                    .takeWhile(l -> l.startsWith(" ")).toList();
            assertThat(fused).hasSizeGreaterThanOrEqualTo(layers);
            for (int l = 0; l < layers; l++) {
                String line = fused.get(l);
                assertThat(line).startsWith(String.format("  layer %-2d", l)).contains("ATTENTION [ALL→vlmo-shared]");
                if (l >= s) {
                    assertThat(line).as("layer %d of the fused plan", l).contains("FFN [ALL→vlmo-vl]");
                } else {
                    assertThat(line).as("layer %d of the fused plan", l)
                            .contains("LANGUAGE_PART→vlmo-text", "VISION_PART→vlmo-image").doesNotContain("vlmo-vl");
                }
                assertThat(m.plan().routes(InputLayout.VISION, l, LayerSlot.FFN))
                        .containsExactly(new Route(Segment.VISION_PART, VlmoEncoders.IMAGE));
            }
            assertThat(m.encoder().branches().get(VlmoEncoders.BRANCH_VL).routes(InputLayout.VISION, s, LayerSlot.FFN))
                    .containsExactly(new Route(Segment.ALL, VlmoEncoders.VL));
            assertThat(m.toString()).contains("branch 'vl'");
            assertThat(m.encoder().branchNames()).containsExactly(VlmoEncoders.BRANCH_VL);
            try (NDManager owner = NDManager.newBaseManager()) {
                // text first: text cannot grow at the end of the sequence, so no incremental decoding
                assertThat(m.encoder().startDecoding(owner)).isEmpty();
            }
        }
    }

    @Test
    void aVlmoCheckpointGivenToTheBeit3LoaderFailsNamingVlmo() throws Exception {
        Path vlmo = vlmoCheckpoint();
        assertThatThrownBy(() -> Beit3.builder().checkpoint(vlmo).head("vqa").build())
                .isInstanceOf(CheckpointException.class).hasMessageContaining("is not a BEiT-3 checkpoint")
                .hasMessageContaining("VLMo").hasMessageContaining("Vlmo.load");
    }

    @Test
    void aBeit3CheckpointGivenToTheVlmoLoaderFailsNamingBeit3() throws Exception {
        Path beit3 = beit3Checkpoint();
        assertThatThrownBy(() -> Vlmo.load(beit3)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("is not a VLMo checkpoint").hasMessageContaining("BEiT-3");
    }

    @Test
    void withoutTheVlmoPluginLoadingFailsNamingTheMissingProvider() throws Exception {
        ProviderRegistry.Builder b = ProviderRegistry.builder();
        ServiceLoader.load(ExpertProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> !p.getClass().getName().startsWith("dev.beit3.vlmo.")).forEach(b::expert);
        ServiceLoader.load(dev.beit3.api.EmbeddingProvider.class).stream().map(ServiceLoader.Provider::get)
                .forEach(b::embedding);
        // the kernel backends stay: a class path without the VLMo jar still has them (-Dbeit3.kernels=onednn)
        ServiceLoader.load(dev.beit3.api.KernelProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> !p.id().equals("djl")).forEach(b::kernel);
        ProviderRegistry withoutVl = b.build();
        Path vlmo = vlmoCheckpoint();
        assertThatThrownBy(() -> Vlmo.load(vlmo, withoutVl, 0, 0)).isInstanceOf(ProviderException.class)
                .hasMessageContaining("no expert provider 'vlmo-").hasMessageContaining("beit3-vlmo jar");
    }

    /**
     * The paper's layout by configuration alone: the same checkpoint, a configuration that starts the VL
     * expert at the last layer, the plan derived from it, a fused forward pass; and a configuration asking
     * for the VL expert where the checkpoint has none fails at load, naming the missing keys.
     */
    @Test
    void theVisionLanguageLayersComeFromConfigurationAlone() throws Exception {
        Path file = vlmoCheckpoint();
        Checkpoint ck = Checkpoint.read(file);
        VlmoLayout layout = VlmoLayout.of(ck);
        ProviderRegistry reg = ProviderRegistry.discover();
        EncoderConfig base = layout.encoderConfig();
        int top = base.layers() - 1;
        EncoderConfig paper = new EncoderConfig(base.family(), base.dim(), base.heads(), base.layers(), base.ffnDim(),
                base.patchSize(), base.imageSize(), base.vocabSize(), base.maxTextPositions(), base.layerNormEps(),
                base.finalLayerNorm(), top);
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            CheckpointWeights ws = ck.weights(weights);
            Map<Modality, TokenEmbedding> emb = Map.of(
                    Modality.VISION, reg.embedding(VlmoEncoders.IMAGE).create(paper, ws),
                    Modality.LANGUAGE, reg.embedding(VlmoEncoders.TEXT).create(paper, ws));
            RoutingPlan plan = VlmoEncoders.plan(paper);
            MultiwayEncoder enc = MultiwayEncoder.build(paper, plan, reg::expert, emb, ws.under("transformer."),
                    VlmoRelativePositionBias.load(layout, ws));
            ws.report().throwIfIncomplete(file.getFileName().toString());
            System.out.println("VL expert in the last layer only, by configuration:\n" + plan.describe());
            assertThat(plan.routes(InputLayout.FUSED, top, LayerSlot.FFN))
                    .containsExactly(new Route(Segment.ALL, VlmoEncoders.VL));
            if (top > 0) {
                assertThat(plan.routes(InputLayout.FUSED, top - 1, LayerSlot.FFN)).extracting(Route::expertId)
                        .containsExactly(VlmoEncoders.TEXT, VlmoEncoders.IMAGE);
            }
            long b = 2;
            int t = layout.maxTextLen();
            NDArray image = call.randomNormal(new Shape(b, 3, paper.imageSize(), paper.imageSize()));
            NDArray ids = call.randomInteger(0, paper.vocabSize(), new Shape(b, t), DataType.INT64);
            EncoderOutput out = enc.encode(EncoderInput.fused(image, ids, null), call);
            assertThat(out.output().getShape()).isEqualTo(new Shape(b, t + paper.numPatches() + 1, paper.dim()));
            assertThat(out.output().isNaN().any().getBoolean()).isFalse();
        }
        if (layout.vlStartLayer() > 0) {
            int below = layout.vlStartLayer() - 1;
            EncoderConfig tooLow = new EncoderConfig(base.family(), base.dim(), base.heads(), base.layers(),
                    base.ffnDim(), base.patchSize(), base.imageSize(), base.vocabSize(), base.maxTextPositions(),
                    base.layerNormEps(), base.finalLayerNorm(), below);
            try (NDManager weights = NDManager.newBaseManager()) {
                CheckpointWeights ws = ck.weights(weights);
                MultiwayEncoder.build(tooLow, VlmoEncoders.plan(tooLow), reg::expert, Map.of(), ws.under("transformer."),
                        null);
                assertThatThrownBy(() -> ws.report().throwIfIncomplete("VL expert from layer " + below))
                        .isInstanceOf(CheckpointException.class)
                        .hasMessageContaining("missing transformer.blocks." + below + ".mlp_vl.fc1.weight")
                        .hasMessageContaining("layer " + below + " vl FFN expert");
            }
        }
    }
}
