package org.medfusion.backbones;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every registered backbone by its torchvision name, as {@code timm.create_model}: create by name,
 * list (optionally by glob pattern), and an unknown name is an error listing the valid names.
 */
public final class BackboneRegistry {

    private static final Map<String, ModelSpec> SPECS = load();

    private BackboneRegistry() {
    }

    private static Map<String, ModelSpec> load() {
        Map<String, ModelSpec> m = new LinkedHashMap<>();
        Stream.of(ResNets.specs(), MobileNets.specs(), EfficientNets.specs(), EfficientNetV2s.specs(),
                        RegNets.specs(), VisionTransformers.specs(), SwinTransformers.specs(),
                        ConvNeXts.specs(), MaxViTs.specs())
                .flatMap(List::stream)
                .forEach(s -> {
                    if (m.put(s.name(), s) != null) {
                        throw new IllegalStateException("model registered twice: " + s.name());
                    }
                });
        return Collections.unmodifiableMap(m);
    }

    /** All model names in registration order. */
    public static List<String> names() {
        return List.copyOf(SPECS.keySet());
    }

    /** Names matching a glob such as {@code resnet*} ({@code *} and {@code ?} wildcards). */
    public static List<String> list(String glob) {
        Pattern p = Pattern.compile(glob.replace(".", "\\.").replace("*", ".*").replace("?", "."));
        List<String> out = new ArrayList<>();
        for (String n : SPECS.keySet()) {
            if (p.matcher(n).matches()) {
                out.add(n);
            }
        }
        return out;
    }

    public static boolean contains(String name) {
        return SPECS.containsKey(name);
    }

    /** The spec of {@code name}; unknown names are an error that lists the valid ones. */
    public static ModelSpec spec(String name) {
        ModelSpec s = SPECS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; valid models: " + String.join(", ", SPECS.keySet()));
        }
        return s;
    }

    /** Builds, initialises and (if {@code options.pretrained()}) loads weights of {@code name}. */
    public static Backbone create(String name, BackboneOptions options) {
        return Backbone.create(spec(name), options);
    }

    /** As {@link #create(String, BackboneOptions)}, with parameters on {@code device}. */
    public static Backbone create(String name, BackboneOptions options, ai.djl.Device device) {
        return Backbone.create(spec(name), options, device);
    }

    public static Backbone create(String name) {
        return create(name, BackboneOptions.defaults());
    }
}
