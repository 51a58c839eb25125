package dev.beit3.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The reference's optimizer parameter groups ({@code optim_factory.get_parameter_groups} as
 * {@code run_beit3_finetuning.main} sets it up): a learning-rate scale and a weight decay per parameter.
 *
 * <ul>
 *   <li>Weight decay 0 for every parameter with a 1-D shape, every name ending in {@code .bias}, and the
 *       names of the model's {@code no_weight_decay()} list ({@link #BEIT3_NO_WEIGHT_DECAY}); the
 *       configured decay for all others (a 0-d parameter such as {@code logit_scale} is excluded only by
 *       the list).
 *   <li>Learning-rate scale from a {@link LrScale} rule: none, layer-wise decay
 *       ({@code get_num_layer_for_vit}, {@link #layerId}), or a head weight ({@code get_is_head_flag_for_vit}).
 * </ul>
 */
public final class ParameterGroups {
    /** {@code BEiT3Wrapper.no_weight_decay()}: the vision position table, the cls token, logit_scale (+ two that match nothing). */
    public static final Set<String> BEIT3_NO_WEIGHT_DECAY = Set.of("beit3.encoder.embed_positions.A.weight",
            "beit3.vision_embed.cls_token", "logit_scale", "pos_embed", "cls_token");

    private ParameterGroups() {}

    /**
     * The optimizer setting of one parameter.
     *
     * @param name state-dict key
     * @param layerId the id the lr-scale rule assigned
     * @param lrScale multiplier of the scheduled learning rate
     * @param weightDecay decoupled weight decay
     */
    public record Setting(String name, int layerId, double lrScale, double weightDecay) {}

    /** How the learning rate scales per parameter. */
    public interface LrScale {
        /**
         * The layer id of a parameter.
         *
         * @param name state-dict key
         * @return the id
         */
        int layerId(String name);

        /**
         * The multiplier of a layer id.
         *
         * @param layerId the id
         * @return the multiplier
         */
        double scale(int layerId);

        /**
         * × 1 everywhere (captioning; layer id 0 for all).
         *
         * @return the rule
         */
        static LrScale none() {
            return new LrScale() {
                @Override
                public int layerId(String name) {
                    return 0;
                }

                @Override
                public double scale(int layerId) {
                    return 1.0;
                }
            };
        }

        /**
         * Layer-wise decay: {@code decay^(L + 1 − layerId)} with {@link ParameterGroups#layerId}.
         *
         * @param decay the layer decay (0.65 in the base recipes)
         * @param layers L, the encoder depth
         * @return the rule
         */
        static LrScale layerDecay(double decay, int layers) {
            return new LrScale() {
                @Override
                public int layerId(String name) {
                    return ParameterGroups.layerId(name, layers);
                }

                @Override
                public double scale(int layerId) {
                    return Math.pow(decay, layers + 1 - layerId);
                }
            };
        }

        /**
         * The task-head weight: × {@code weight} for names starting with {@code head} (layer id 1),
         * × 1 for everything else, the pooler included (layer id 0).
         *
         * @param weight the head lr weight (20 for VQA)
         * @return the rule
         */
        static LrScale headWeight(double weight) {
            return new LrScale() {
                @Override
                public int layerId(String name) {
                    return name.startsWith("head") ? 1 : 0;
                }

                @Override
                public double scale(int layerId) {
                    return layerId == 1 ? weight : 1.0;
                }
            };
        }

        /**
         * The rule {@code run_beit3_finetuning.main} picks: layer decay when {@code layerDecay < 1}, else
         * the head weight when {@code taskHeadLrWeight > 1}, else none.
         *
         * @param layerDecay the layer decay
         * @param taskHeadLrWeight the head lr weight
         * @param layers L
         * @return the rule
         */
        static LrScale reference(double layerDecay, double taskHeadLrWeight, int layers) {
            if (layerDecay < 1.0) {
                return layerDecay(layerDecay, layers);
            }
            return taskHeadLrWeight > 1 ? headWeight(taskHeadLrWeight) : none();
        }
    }

    /**
     * {@code get_num_layer_for_vit} with L + 2 layer ids: 0 if the name contains {@code embed} (or is
     * a bare cls/mask/position token, or starts with {@code patch_embed}); i + 1 for names with
     * {@code layers.i.}; L + 1 for everything else (final norms, heads, pooler, logit_scale).
     *
     * @param name full state-dict key
     * @param layers L
     * @return the layer id in 0..L+1
     */
    public static int layerId(String name, int layers) {
        if (name.contains("embed")) {
            return 0;
        }
        if (Set.of("cls_token", "mask_token", "pos_embed", "language_pos_embed", "word_embeddings.weight",
                "vision_cls_token", "vision_pos_embed").contains(name) || name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("rel_pos_bias")) {
            return layers + 1;
        }
        int at = name.indexOf("layers.");
        if (at >= 0) {
            String rest = name.substring(at + "layers.".length());
            int dot = rest.indexOf('.');
            return Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)) + 1;
        }
        return layers + 1;
    }

    /**
     * Whether the reference decays a parameter.
     *
     * @param name state-dict key
     * @param shape its shape
     * @param skip the no-weight-decay list
     * @return false for 1-D shapes, {@code .bias} names and listed names
     */
    public static boolean decays(String name, long[] shape, Set<String> skip) {
        return !(shape.length == 1 || name.endsWith(".bias") || skip.contains(name));
    }

    /**
     * The settings of every trainable parameter of a store.
     *
     * @param params the parameters
     * @param trainable which parameters the optimizer sees (PyTorch: {@code requires_grad})
     * @param scale the lr-scale rule
     * @param weightDecay the decay of decayed parameters
     * @param skip the no-weight-decay list (e.g. {@link #BEIT3_NO_WEIGHT_DECAY})
     * @return settings by key, in checkpoint order
     */
    public static Map<String, Setting> of(ParameterStore params, Predicate<String> trainable, LrScale scale,
            double weightDecay, Set<String> skip) {
        Map<String, Setting> out = new LinkedHashMap<>();
        for (String name : params.names()) {
            if (!trainable.test(name)) {
                continue;
            }
            int id = scale.layerId(name);
            boolean decay = decays(name, params.get(name).getShape().getShape(), skip);
            out.put(name, new Setting(name, id, scale.scale(id), decay ? weightDecay : 0.0));
        }
        return Collections.unmodifiableMap(out);
    }
}
