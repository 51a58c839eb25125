package dev.beit3.vlmo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.InputLayout;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Route;
import dev.beit3.api.Segment;
import dev.beit3.core.encoder.FamilyProviders;
import org.junit.jupiter.api.Test;

/** VLMo's family facts, found through this module's META-INF/services. */
class VlmoFamilyProviderTest {
    private static EncoderConfig config(int vlStart) {
        return new EncoderConfig(ModelFamily.VLMO, 64, 2, 4, 256, 16, 64, 100, 40, VlmoLayout.EPS, true, vlStart);
    }

    @Test
    void textFirstNoRowZeroingEveryPositionUsable() {
        FamilyProvider p = FamilyProviders.of(ModelFamily.VLMO);
        assertThat(p).isInstanceOf(VlmoFamilyProvider.class);
        assertThat(p.tokenOrder()).isEqualTo(FamilyProvider.TokenOrder.TEXT_FIRST);
        assertThat(p.zeroPaddedRows()).isFalse();
        assertThat(p.textLimit(config(2))).isEqualTo(40);
        assertThat(p.defaultPlan(config(2))).isEqualTo(VlmoEncoders.plan(config(2)));
    }

    @Test
    void theVlBranchStartsAtTheFirstVisionLanguageLayerAndOnlyWhenThereIsOne() {
        FamilyProvider p = new VlmoFamilyProvider();
        assertThat(p.branches(config(4))).isEmpty();
        FamilyProvider.BranchPass vl = p.branches(config(2)).get(0);
        assertThat(vl.name()).isEqualTo(VlmoEncoders.BRANCH_VL);
        assertThat(vl.fromLayer()).isEqualTo(2);
        assertThat(vl.plan().routes(InputLayout.VISION, 2, LayerSlot.FFN))
                .containsExactly(new Route(Segment.ALL, VlmoEncoders.VL));
        assertThat(vl.plan().routes(InputLayout.VISION, 1, LayerSlot.FFN))
                .containsExactly(new Route(Segment.VISION_PART, VlmoEncoders.IMAGE));
    }
}
