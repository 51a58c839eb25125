package dev.beit3.core;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class EngineSmokeTest {
    @Test
    void pytorchEngineRunsOfflineAndMultipliesMatrices() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            NDArray b = a.matMul(a); // [[7,10],[15,22]] by hand
            assertThat(b.toFloatArray()).containsExactly(7f, 10f, 15f, 22f);
            assertThat(m.getEngine().getEngineName()).isEqualTo("PyTorch");
        }
    }
}
