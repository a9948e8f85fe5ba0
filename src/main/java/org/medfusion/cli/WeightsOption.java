package org.medfusion.cli;

import java.nio.file.Path;
import org.medfusion.backbones.Backbone;
import org.medfusion.backbones.BackboneOptions;
import org.medfusion.backbones.BackboneRegistry;
import picocli.CommandLine.Option;

/**
 * {@code --weights FILE.safetensors}: a torchvision state dict (as {@code scripts/export_torchvision_weights.py} writes
 * it) loaded by torchvision's names into the backbone instead of our random initialisation; one picocli {@code @Mixin}
 * for {@code measure}, {@code verify} and {@code train}. A missing file, a missing or unexpected key, a tensor of
 * another shape or dtype: one line naming the file and key, exit 3, nothing loaded.
 */
public final class WeightsOption {

    @Option(names = "--weights", paramLabel = "FILE.safetensors",
            description = "torchvision weights as safetensors (scripts/export_torchvision_weights.py MODEL FILE), loaded by torchvision's names.")
    Path file;

    /** The file as an absolute path (forks run elsewhere), or null when not given. */
    public Path value() {
        return file == null ? null : file.toAbsolutePath().normalize();
    }

    /**
     * Loads the file once into {@code model} at {@code res} px and closes it: the check a command makes before it
     * forks, so a bad file is one line here rather than a failed cell in every fork.
     */
    public void check(String model, int res) {
        if (file != null) {
            check(model, res, value());
        }
    }

    /** Loads {@code weights} into {@code model} at {@code res} px once and closes it (a config's {@code weights:} too). */
    static void check(String model, int res, Path weights) {
        try (Backbone b = BackboneRegistry.create(model, BackboneOptions.defaults().withImageSize(res).withTorchvisionWeights(weights))) {
            b.name();
        }
    }
}
