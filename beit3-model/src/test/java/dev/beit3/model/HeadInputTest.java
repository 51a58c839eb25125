package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.HeadInput;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The named factories and the builder put each part where the canonical constructor would. */
class HeadInputTest {
    @Test
    void factoriesAndBuilderFillTheNamedPartsOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = m.zeros(new Shape(1, 3, 2, 2));
            NDArray img2 = m.ones(new Shape(1, 3, 2, 2));
            NDArray ids = m.zeros(new Shape(1, 4));
            NDArray pad = m.ones(new Shape(1, 4));
            assertThat(HeadInput.ofImages(img)).isEqualTo(new HeadInput(img, null, null, null, Map.of()));
            assertThat(HeadInput.ofText(ids, pad)).isEqualTo(new HeadInput(null, null, ids, pad, Map.of()));
            assertThat(HeadInput.ofImageText(img, ids, pad)).isEqualTo(new HeadInput(img, null, ids, pad, Map.of()));
            HeadInput all = HeadInput.builder().images(img).secondImages(img2).text(ids, pad)
                    .options(Map.of("beamSize", "3")).option("maxLength", "8").build();
            assertThat(all).isEqualTo(new HeadInput(img, img2, ids, pad, Map.of("beamSize", "3", "maxLength", "8")));
            assertThat(all.intOption("beamSize", 1)).isEqualTo(3);
        }
    }
}
