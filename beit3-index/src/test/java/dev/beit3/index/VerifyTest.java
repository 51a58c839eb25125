package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify finds what is wrong: a flipped byte (CheckIndex) and a vector that is not normalised. */
class VerifyTest {
    @Test
    void aSoundIndexPassesAndAFlippedByteFails(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("idx");
        float[][] v = Demo.unitVectors(300, 16, 5);
        try (Beit3Index idx = Beit3Index.open(dir, Demo.syntheticModel(16), IndexConfig.DEFAULT)) {
            for (int i = 0; i < v.length; i++) {
                idx.add(new IndexDocument("d" + i, "h", IndexDocument.Modality.IMAGE, null, v[i]));
            }
        }
        VerifyReport ok = Beit3Index.verify(dir);
        assertThat(ok.ok()).isTrue();
        assertThat(ok.vectorsChecked()).isEqualTo(300);
        assertThat(ok.maxNormError()).isLessThan(1e-6);
        Path biggest;
        try (Stream<Path> s = Files.list(dir)) {
            biggest = s.filter(p -> p.getFileName().toString().startsWith("_"))
                    .max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(biggest.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5a);
        }
        VerifyReport bad = Beit3Index.verify(dir);
        System.out.println("flipped a byte of " + biggest.getFileName() + ": " + bad.problems());
        assertThat(bad.checkIndexClean()).isFalse();
        assertThat(bad.ok()).isFalse();
    }

    @Test
    void aVectorThatIsNotNormalisedIsReported(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("idx");
        try (Beit3Index idx = Beit3Index.open(dir, Demo.syntheticModel(2), IndexConfig.DEFAULT)) {
            idx.add(new IndexDocument("good", "h", IndexDocument.Modality.IMAGE, null, new float[] {0.6f, 0.8f}));
        }
        // a foreign writer (not Beit3Index, which refuses it) stores a vector of norm 2
        try (FSDirectory d = FSDirectory.open(dir);
                IndexWriter w = new IndexWriter(d, new IndexWriterConfig().setCodec(Beit3Index.codec(IndexConfig.DEFAULT)))) {
            Document doc = new Document();
            doc.add(new StringField(Beit3Index.ID, "bad", Field.Store.YES));
            doc.add(new KnnFloatVectorField(Beit3Index.VECTOR, new float[] {2, 0}, VectorSimilarityFunction.DOT_PRODUCT));
            w.addDocument(doc);
            Map<String, String> data = new LinkedHashMap<>();
            w.getLiveCommitData().forEach(e -> data.put(e.getKey(), e.getValue()));
            w.setLiveCommitData(data.entrySet());
            w.commit();
        }
        VerifyReport r = Beit3Index.verify(dir);
        assertThat(r.checkIndexClean()).isTrue();
        assertThat(r.problems()).singleElement().asString().contains("(bad) has a vector of norm 2.000000");
        assertThat(r.maxNormError()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    }
}
