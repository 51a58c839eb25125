package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model that built an index is recorded, and another model is refused with both named. */
class ModelIdentityTest {
    @Test
    void anotherModelIsRefused(@TempDir Path tmp) {
        Path dir = tmp.resolve("idx");
        try (Beit3Index idx = Beit3Index.open(dir, Demo.retrieval())) {
            Indexer.addImages(idx, Demo.sampleImages().subList(0, 2), Indexer.Options.DEFAULT, null);
        }
        // the same checkpoint at another image size is another model: its vectors are not comparable
        try (Beit3 other = ModelPackage.open(Demo.dir()).builder("retrieval").imageSize(128).build()) {
            assertThatThrownBy(() -> Beit3Index.open(dir, other)).isInstanceOf(ModelMismatchException.class)
                    .hasMessageContaining("was built with another model (image size 64 vs 128)")
                    .hasMessageContaining("--index NEWDIR");
            assertThatThrownBy(() -> Beit3Index.openReadOnly(dir, other)).isInstanceOf(ModelMismatchException.class);
        }
        IndexModel m = IndexModel.of(Demo.retrieval());
        IndexModel otherCheckpoint = new IndexModel("ab".repeat(32), m.head(), m.imageSize(), m.dimension(), "x");
        assertThatThrownBy(() -> Beit3Index.openReadOnly(dir, otherCheckpoint))
                .isInstanceOf(ModelMismatchException.class)
                .hasMessageContaining("checkpoint sha256 " + m.checkpointSha256().substring(0, 12) + "… vs abababababab…");
        // the right model still opens it, and the recorded identity is the model's provenance
        try (Beit3Index idx = Beit3Index.openReadOnly(dir, Demo.retrieval())) {
            assertThat(idx.model().checkpointSha256()).isEqualTo(Demo.retrieval().provenance().checkpointSha256());
            assertThat(idx.stats().documents()).isEqualTo(2);
        }
    }

    @Test
    void foldersThatAreNotIndexesAndNonRetrievalModelsAreRefused(@TempDir Path tmp) throws IOException {
        Path notEmpty = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(notEmpty.resolve("a.txt"), "x");
        assertThatThrownBy(() -> Beit3Index.open(notEmpty, Demo.syntheticModel(8), IndexConfig.DEFAULT))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is not empty");
        assertThatThrownBy(() -> Beit3Index.openReadOnly(tmp.resolve("none"), Demo.syntheticModel(8)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("beit3 index add");
        try (Beit3 vqa = ModelPackage.open(Demo.dir()).builder("vqa").build()) {
            assertThatThrownBy(() -> Beit3Index.open(tmp.resolve("v"), vqa)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("needs a retrieval model");
        }
    }

    @Test
    void wrongVectorsAreRefused(@TempDir Path tmp) {
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("i"), Demo.syntheticModel(4), IndexConfig.DEFAULT)) {
            assertThatThrownBy(() -> idx.add(new IndexDocument("a", "h", IndexDocument.Modality.IMAGE, null,
                    new float[] {1, 0, 0}))).hasMessageContaining("has 3 dimensions");
            assertThatThrownBy(() -> idx.add(new IndexDocument("a", "h", IndexDocument.Modality.IMAGE, null,
                    new float[] {1, 1, 0, 0}))).hasMessageContaining("norm 1.414214");
            idx.add(new IndexDocument("a", "h", IndexDocument.Modality.IMAGE, null, new float[] {0, 1, 0, 0}));
            assertThat(idx.search(new float[] {0, 1, 0, 0}, 5)).extracting(Hit::id).isEqualTo(List.of("a"));
        }
    }
}
