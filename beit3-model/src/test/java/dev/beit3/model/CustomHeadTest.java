package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A head the library has never heard of, found through the SPI and put over already-loaded encoder weights. */
class CustomHeadTest {

    /** The first picture of the demo set's {@code samples/images}, whatever it is called. */
    private static Path firstSample() throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(Fixtures.demo().resolve("samples/images"))) {
            return s.sorted().findFirst().orElseThrow(() -> new AssertionError("no samples/images in the demo set"));
        }
    }

    @Test
    void aUserLinearProbeRunsOnTheSameLoadedEncoder(@TempDir Path tmp) throws Exception {
        ModelPackage pkg = ModelPackage.open(Fixtures.demo());
        // the probe's weights are the retrieval model's vision projection with a zero bias, so the
        // L2-normalised probe output must equal the model's own image embedding
        TensorData vh = Checkpoint.read(pkg.checkpoint("retrieval")).tensors().get("vision_head.weight");
        long d = vh.shape()[0];
        Map<String, TensorData> probe = new LinkedHashMap<>();
        probe.put("probe.weight", new TensorData("probe.weight", DType.FLOAT32, vh.shape(), vh.data()));
        probe.put("probe.bias", new TensorData("probe.bias", DType.FLOAT32, new long[] {d},
                ByteBuffer.allocate((int) d * 4).order(ByteOrder.LITTLE_ENDIAN)));
        Path probeFile = tmp.resolve("probe.safetensors");
        SafeTensors.write(probeFile, probe, Map.of());
        try (Beit3 model = pkg.builder("retrieval").build();
                Beit3 probed = model.withHead("linear-probe", probeFile, Map.of())) {
            RgbImage img = model.readImage(firstSample());
            float[] embedding = model.embedImages(List.of(img))[0];
            float[] logits = probed.run(scope -> dev.beit3.api.HeadInput.ofImages(
                    probed.imagePreprocessor().batch(List.of(img), probed.imageTransform(), scope))).get("logits");
            double norm = 0;
            for (float v : logits) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            float[] normalised = new float[logits.length];
            for (int i = 0; i < logits.length; i++) {
                normalised[i] = (float) (logits[i] / norm);
            }
            assertThat(Fixtures.compare(normalised, embedding, 1e-5, 1e-4).withinTolerance()).isTrue();
            assertThat(probed.headId()).isEqualTo("linear-probe");
            assertThat(probed.provenance().head()).contains("swapped in");
        }
    }
}
