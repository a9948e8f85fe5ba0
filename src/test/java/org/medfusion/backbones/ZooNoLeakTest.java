package org.medfusion.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.medfusion.train.SyntheticBatch;
import org.medfusion.train.TrainingStep;

/**
 * Registry-wide: checkpointed training steps leave no arrays behind in the model's manager (activations first in
 * every op; squeeze-excitation, dropout, stochastic depth, window attention included). One model per family, the
 * first registered, at its smallest valid resolution; with {@code -Dheavy=true} every model. The native-memory
 * check of 50 steps is {@code train.NoLeakTest}.
 */
class ZooNoLeakTest {

    static List<String> models() {
        if (Boolean.getBoolean("heavy")) {
            return BackboneRegistry.names();
        }
        Set<String> families = new LinkedHashSet<>();
        List<String> out = new ArrayList<>();
        for (String name : BackboneRegistry.names()) {
            if (families.add(BackboneRegistry.spec(name).family())) {
                out.add(name);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void trainingStepsLeaveNoArraysBehind(String name) {
        int res = ZooExactnessTest.smallestResolution(BackboneRegistry.spec(name));
        BackboneOptions o = BackboneOptions.defaults().withNumClasses(10).withImageSize(res);
        try (Backbone b = BackboneRegistry.create(name, o); NDManager data = b.manager().newSubManager()) {
            b.enableGradientCheckpointing();
            SyntheticBatch batch = SyntheticBatch.create(data, 2, res, 10, 3);
            TrainingStep step = new TrainingStep(b, b.manager());
            int live = 0;
            for (int i = 1; i <= 5; i++) {
                step.step(batch.images(), batch.labels());
                if (i == 2) {
                    live = b.manager().getManagedArrays().size();
                }
            }
            assertEquals(live, b.manager().getManagedArrays().size(), name + ": live arrays grew over 3 steps");
        }
    }
}
