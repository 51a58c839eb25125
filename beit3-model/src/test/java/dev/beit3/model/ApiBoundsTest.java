package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.CaptioningHead;
import org.junit.jupiter.api.Test;

/**
 * Reliability II (issue 17), defects 6 and 7 in the Java API: the same bounds as the command line (beams, engine
 * threads, image size, heads), each a typed {@link InvalidInputException} naming the setting, never an
 * {@code IllegalArgumentException} or an overflow deep inside.
 */
class ApiBoundsTest {

    @Test
    void beamsAreBoundedInTheDecodingSettings() {
        assertThat(new CaptioningHead.Decoding(CaptioningHead.Decoding.MAX_BEAMS, 32, 0.6, 4, 0, 1, 2).beams())
                .isEqualTo(64);
        assertThatThrownBy(() -> new CaptioningHead.Decoding(CaptioningHead.Decoding.MAX_BEAMS + 1, 32, 0.6, 4, 0, 1, 2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("beam size 65 is more than the 64");
        assertThatThrownBy(() -> new CaptioningHead.Decoding(100_000, 32, 0.6, 4, 0, 1, 2))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new CaptioningHead.Decoding(3, 32, Double.NaN, 4, 0, 1, 2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("finite");
    }

    @Test
    void engineThreadsAreBoundedByTheProcessors() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(EngineThreads.max()).isEqualTo(EngineThreads.PER_CORE * cores);
        assertThat(EngineThreads.check(EngineThreads.max(), "threads")).isEqualTo(EngineThreads.max());
        assertThatThrownBy(() -> EngineThreads.check(EngineThreads.max() + 1, "threads"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("available processors");
        assertThatThrownBy(() -> EngineThreads.check(100_000, "threads")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> EngineThreads.check(0, "threads")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void imageSizesAreCheckedWithoutOverflow() {
        // 2^30 px at patch 16: a 2^26 grid whose square overflows int (it used to end in NegativeArraySizeException)
        assertThatThrownBy(() -> EncoderConfig.beit3Base(1 << 30, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("67108864 × 67108864 = 4503599627370496 patches, more than the 4096 supported");
        assertThat(EncoderConfig.beit3Base(1024, true).gridSize()).isEqualTo(64);
        assertThatThrownBy(() -> EncoderConfig.beit3Base(1040, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBuilderReportsBadSizesAndHeadsAsBadInputNamingTheMethod() {
        java.nio.file.Path ckpt = Fixtures.projectDemo().resolve("imageclassification.pth");
        assertThatThrownBy(() -> Beit3.builder().checkpoint(ckpt).attentionHeads(4).imageSize(100).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("imageSize 100 is not a multiple of patchSize 16 (use 96 or 112)")
                .hasMessageContaining("Beit3.builder().imageSize(s)");
        assertThatThrownBy(() -> Beit3.builder().checkpoint(ckpt).attentionHeads(4).imageSize(Integer.MAX_VALUE - 15)
                .build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("patches, more than the 4096");
        assertThatThrownBy(() -> Beit3.builder().checkpoint(ckpt).attentionHeads(5).build())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("dim 96 is not divisible by heads 5 (divisors near 5: 4, 6)")
                .hasMessageContaining("Beit3.builder().attentionHeads(h)");
    }
}
