package dev.beit3.core.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.ProviderException;
import dev.beit3.api.SpecialTokens;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The registry holds image preprocessors and tokenizers under their ids, with the same messages as the others. */
class PreprocessingProvidersTest {
    /** A tokenizer provider that loads nothing. */
    static final class FakeTokenizers implements TokenizerProvider {
        @Override
        public String id() {
            return "fake-tokenizer";
        }

        @Override
        public SpecialTokens specialTokens() {
            return new SpecialTokens(5, 6, 7, 8);
        }

        @Override
        public Tokenizer load(Path file) {
            throw new UnsupportedOperationException();
        }
    }

    /** An image preprocessor provider without a preprocessor. */
    static final class FakeImages implements ImagePreprocessorProvider {
        @Override
        public String id() {
            return "fake-images";
        }

        @Override
        public ImagePreprocessor preprocessor() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void addedProvidersAreFoundAndListed() {
        ProviderRegistry r = ProviderRegistry.builder().tokenizer(new FakeTokenizers())
                .imagePreprocessor(new FakeImages()).build();
        assertThat(r.tokenizer("fake-tokenizer").specialTokens().eos()).isEqualTo(7);
        assertThat(r.imagePreprocessor("fake-images")).isInstanceOf(FakeImages.class);
        assertThat(r.tokenizers()).containsOnlyKeys("fake-tokenizer");
        assertThat(r.describe()).contains("image-preprocessor providers (1):", "tokenizer providers (1):",
                FakeTokenizers.class.getName());
    }

    @Test
    void aMissingProviderNamesItsIdAndTheJarThatBringsIt() {
        ProviderRegistry r = ProviderRegistry.builder().build();
        assertThatThrownBy(() -> r.tokenizer(TokenizerProvider.DEFAULT_ID)).isInstanceOf(ProviderException.class)
                .hasMessageContaining("no tokenizer provider '" + TokenizerProvider.DEFAULT_ID + "'")
                .hasMessageContaining("expert-language jar");
        assertThatThrownBy(() -> r.imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("no image-preprocessor provider '" + ImagePreprocessorProvider.DEFAULT_ID + "'")
                .hasMessageContaining("expert-vision jar");
    }
}
