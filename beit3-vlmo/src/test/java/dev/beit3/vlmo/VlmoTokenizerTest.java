package dev.beit3.vlmo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WordPiece over a small vocab.txt with BERT's special-token layout ([PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102). */
class VlmoTokenizerTest {

    @Test
    void segmentsAreClsPiecesSepPaddedWithAMaskOfRealTokens(@TempDir Path dir) throws Exception {
        String[] vocab = new String[110];
        for (int i = 0; i < vocab.length; i++) {
            vocab[i] = "[unused" + i + "]";
        }
        vocab[0] = "[PAD]";
        vocab[100] = "[UNK]";
        vocab[101] = "[CLS]";
        vocab[102] = "[SEP]";
        vocab[103] = "[MASK]";
        vocab[104] = "a";
        vocab[105] = "dog";
        vocab[106] = "play";
        vocab[107] = "##ing";
        vocab[108] = ".";
        vocab[109] = "cat";
        Path file = dir.resolve("vocab.txt");
        Files.write(file, List.of(vocab));
        VlmoTokenizer t = VlmoTokenizer.load(file);
        assertThat(t.pieces("A Dog playing.")).containsExactly("a", "dog", "play", "##ing", ".");
        VlmoTokenizer.Segment s = t.encode("A Dog playing zebra.", 10);
        assertThat(s.ids()).containsExactly(101, 104, 105, 106, 107, 100, 108, 102, 0, 0);
        assertThat(s.mask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 0, 0);
        VlmoTokenizer.Segment cut = t.encode("a dog a dog a dog", 5);
        assertThat(cut.ids()).containsExactly(101, 104, 105, 104, 102);
        assertThat(cut.mask()).containsOnly(1L);
    }
}
