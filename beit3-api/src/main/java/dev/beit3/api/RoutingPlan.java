package dev.beit3.api;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which expert serves which tokens, per input layout, layer and slot: plain data derived from the
 * configuration, so it can be printed, tested and changed without touching the encoder.
 *
 * <p>Layer index {@code layers} stands for the {@link LayerSlot#FINAL_NORM} slot after the last layer.
 * A slot with no routes is skipped (e.g. no final LayerNorm).
 *
 * @param layers number of Multiway layers L
 * @param table layout → per layer (0…L) → slot → routes; the routes of one slot cover every token once
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record RoutingPlan(int layers, Map<InputLayout, List<Map<LayerSlot, List<Route>>>> table) {

    /** Validates and deep-copies. */
    public RoutingPlan {
        Objects.requireNonNull(table, "table");
        Map<InputLayout, List<Map<LayerSlot, List<Route>>>> copy = new EnumMap<>(InputLayout.class);
        for (var e : table.entrySet()) {
            if (e.getValue().size() != layers + 1) {
                throw new IllegalArgumentException("plan for " + e.getKey() + " has " + e.getValue().size()
                        + " entries, expected layers + 1 = " + (layers + 1));
            }
            List<Map<LayerSlot, List<Route>>> perLayer = new ArrayList<>();
            for (var m : e.getValue()) {
                Map<LayerSlot, List<Route>> slots = new EnumMap<>(LayerSlot.class);
                m.forEach((k, v) -> slots.put(k, List.copyOf(v)));
                perLayer.add(java.util.Collections.unmodifiableMap(slots));
            }
            copy.put(e.getKey(), List.copyOf(perLayer));
        }
        table = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * The plan of the released BEiT-3 checkpoints: every layer, both slots and the final norm send
     * image tokens to {@code visionId} and text tokens to {@code languageId} (the multiway split).
     *
     * @param layers L
     * @param finalNorm whether the final LayerNorm slot is present
     * @param visionId provider of branch A
     * @param languageId provider of branch B
     * @return the plan
     */
    public static RoutingPlan multiway(int layers, boolean finalNorm, String visionId, String languageId) {
        Map<InputLayout, List<Map<LayerSlot, List<Route>>>> t = new EnumMap<>(InputLayout.class);
        for (InputLayout layout : InputLayout.values()) {
            List<Route> routes = switch (layout) {
                case VISION -> List.of(new Route(Segment.VISION_PART, visionId));
                case LANGUAGE -> List.of(new Route(Segment.LANGUAGE_PART, languageId));
                case FUSED -> List.of(new Route(Segment.VISION_PART, visionId),
                        new Route(Segment.LANGUAGE_PART, languageId));
            };
            List<Map<LayerSlot, List<Route>>> perLayer = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                Map<LayerSlot, List<Route>> m = new EnumMap<>(LayerSlot.class);
                m.put(LayerSlot.ATTENTION, routes);
                m.put(LayerSlot.FFN, routes);
                perLayer.add(m);
            }
            Map<LayerSlot, List<Route>> last = new EnumMap<>(LayerSlot.class);
            if (finalNorm) {
                last.put(LayerSlot.FINAL_NORM, routes);
            }
            perLayer.add(last);
            t.put(layout, perLayer);
        }
        return new RoutingPlan(layers, t);
    }

    /**
     * The routes of one slot.
     *
     * @param layout what the sequence holds
     * @param layer layer index, or {@code layers} for the final norm
     * @param slot the slot
     * @return the routes (empty when the slot is absent)
     */
    public List<Route> routes(InputLayout layout, int layer, LayerSlot slot) {
        var perLayer = table.get(layout);
        if (perLayer == null) {
            throw new IllegalArgumentException("the routing plan has no entry for " + layout + " input; layouts: "
                    + table.keySet());
        }
        return perLayer.get(layer).getOrDefault(slot, List.of());
    }

    /**
     * Every expert id the plan names.
     *
     * @return the ids, in first-use order
     */
    public Set<String> expertIds() {
        Set<String> ids = new LinkedHashSet<>();
        table.values().forEach(l -> l.forEach(m -> m.values().forEach(r -> r.forEach(x -> ids.add(x.expertId())))));
        return ids;
    }

    /**
     * A per-layer table for humans, one line per layout and layer.
     *
     * @return the description
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (var e : table.entrySet()) {
            sb.append(e.getKey()).append(" input:\n");
            for (int i = 0; i <= layers; i++) {
                var m = e.getValue().get(i);
                if (m.isEmpty()) {
                    continue;
                }
                sb.append(i == layers ? "  final   " : String.format("  layer %-2d", i));
                m.forEach((slot, r) -> sb.append("  ").append(slot).append(' ').append(r));
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
