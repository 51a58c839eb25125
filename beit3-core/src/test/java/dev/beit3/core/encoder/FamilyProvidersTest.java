package dev.beit3.core.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import org.junit.jupiter.api.Test;

/** The family as an open value type, and the BEiT-3 family's facts found through ServiceLoader. */
class FamilyProvidersTest {

    @Test
    void familiesAreInternedValuesAPluginCanAdd() {
        assertThat(ModelFamily.of("BEIT3")).isSameAs(ModelFamily.BEIT3);
        assertThat(ModelFamily.of("vlmo").displayName()).isEqualTo("VLMo");
        ModelFamily audio = ModelFamily.of("test-audio", "Test audio");
        assertThat(ModelFamily.of("test-audio", "Test audio")).isSameAs(audio);
        assertThat(audio).isNotEqualTo(ModelFamily.BEIT3).hasToString("test-audio");
        assertThatThrownBy(() -> ModelFamily.of("test-audio", "Other name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already defined as 'Test audio'");
        assertThatThrownBy(() -> ModelFamily.of("Bad Id", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower-case letters");
        assertThatThrownBy(() -> ModelFamily.of("no-such-family")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model family 'no-such-family'").hasMessageContaining("beit3");
    }

    @Test
    void theBeit3FamilyPutsTheImageFirstAndReservesTwoTextPositions() {
        FamilyProvider p = FamilyProviders.of(ModelFamily.BEIT3);
        assertThat(p).isInstanceOf(Beit3FamilyProvider.class);
        assertThat(p.tokenOrder()).isEqualTo(FamilyProvider.TokenOrder.IMAGE_FIRST);
        assertThat(p.zeroPaddedRows()).isTrue();
        EncoderConfig c = EncoderConfig.beit3Base(224, true);
        assertThat(p.textLimit(c)).isEqualTo(c.maxTextPositions() - 2);
        assertThat(p.defaultPlan(c)).isEqualTo(Beit3Encoders.plan(c));
        assertThat(p.branches(c)).isEmpty();
    }

    @Test
    void aFamilyWithoutProviderIsAProviderExceptionNamingIt() {
        ModelFamily other = ModelFamily.of("test-unserved", "Unserved");
        assertThatThrownBy(() -> FamilyProviders.of(other)).isInstanceOf(ProviderException.class)
                .hasMessageContaining("no family provider for the Unserved family ('test-unserved')");
    }
}
