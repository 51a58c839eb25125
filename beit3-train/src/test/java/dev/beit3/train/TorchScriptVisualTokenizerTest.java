package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A Python-exported TorchScript tokenizer ({@code testdata/visual-tokenizer}, made by its {@code make_tokenizer.py}
 * with PyTorch 1.13) gives in Java exactly the ids it gave in Python, and a wrong codebook size is caught.
 */
class TorchScriptVisualTokenizerTest {
    private static final Path DIR = Fixtures.testdata("visual-tokenizer");

    @Test
    void idsEqualThoseOfTheExportingPythonRun() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptVisualTokenizer tok = TorchScriptVisualTokenizer.load(DIR.resolve("colour8.pt"), 8)) {
            NDArray images = Npy.read(DIR.resolve("input.npy")).toNDArray(m); // (2, 3, 64, 64)
            NDArray ids = tok.tokenize(images, m);
            long[] want = Npy.read(DIR.resolve("ids.npy")).longs();
            assertThat(ids.getShape().getShape()).containsExactly(2, 16);
            assertThat(ids.toLongArray()).containsExactly(want);
            assertThat(tok.vocabularySize()).isEqualTo(8);
        }
    }

    @Test
    void idsOutsideTheCodebookAndFilesThatAreNotModulesAreRefused() throws Exception {
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptVisualTokenizer small = TorchScriptVisualTokenizer.load(DIR.resolve("colour8.pt"), 4)) {
            NDArray images = Npy.read(DIR.resolve("input.npy")).toNDArray(m);
            assertThatThrownBy(() -> small.tokenize(images, m)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("codebook has 4 entries");
            assertThatThrownBy(() -> small.tokenize(images.get("0"), m)).isInstanceOf(RuntimeException.class);
        }
        assertThatThrownBy(() -> TorchScriptVisualTokenizer.load(DIR.resolve("input.npy"), 8))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a TorchScript module");
        assertThatThrownBy(() -> TorchScriptVisualTokenizer.load(DIR.resolve("missing.pt"), 8))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not found");
    }
}
